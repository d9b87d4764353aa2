// Helpers of the output-ownership and kill-point cases: the real CLI with an environment of the test's
// choosing, and a snapshot of a folder (every file's sha256 and every folder) to compare before and after.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { cliPath, type CliResult } from "../../support/cli.js";

/** `emingest ARGS` with `env` added to this process's environment. */
export function runCliEnv(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/**
 * Relative path -> sha256 of every file, "folder" for every folder, "link -> target" for a symbolic link
 * (not followed), below `dir`; `skip` names entries of `dir` itself to leave out (".emingest").
 */
export async function snapshot(dir: string, skip: readonly string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (rel === "" && skip.includes(entry.name)) continue;
      const full = path.join(dir, child);
      if (entry.isSymbolicLink()) out[child] = `link -> ${await fs.readlink(full)}`;
      else if (entry.isDirectory()) {
        out[child] = "folder";
        await walk(child);
      } else out[child] = createHash("sha256").update(await fs.readFile(full)).digest("hex");
    }
  };
  await walk("");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The one line a refused run prints, without the "emingest: " prefix; fails on anything else on stderr. */
export function oneLine(result: CliResult): string {
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  if (lines.length !== 1 || !lines[0].startsWith("emingest: ")) throw new Error(`expected one error line, got:\n${result.stderr}`);
  return lines[0].slice("emingest: ".length);
}
