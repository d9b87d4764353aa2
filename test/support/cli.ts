// Runs the real `emingest` command (the compiled CLI) as a child process.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { repoRoot } from "./python.js";

export const cliPath = path.join(repoRoot, "dist", "cli", "main.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `emingest ARGS` with `env` added to this process's environment. */
export function startCli(
  args: readonly string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliResult>; stderrLines: (fn: (line: string) => void) => void } {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  const listeners: Array<(line: string) => void> = [];
  let pending = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => {
    const text = d.toString();
    stderr += text;
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) for (const fn of listeners) fn(line);
  });
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stderrLines: (fn) => listeners.push(fn) };
}

export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** sha256 of every file under dir (relative path -> hex), skipping the local run state. */
export async function checksums(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== ".emingest") await walk(child);
      } else {
        out[child] = createHash("sha256").update(await fs.readFile(path.join(dir, child))).digest("hex");
      }
    }
  };
  await walk("");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
