// Helpers of the output-ownership and kill-point cases: a snapshot of a folder (every file's sha256 and every
// folder) to compare before and after. The real CLI, with an environment: test/support/cli.ts.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { CliResult } from "../../support/cli.js";

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
