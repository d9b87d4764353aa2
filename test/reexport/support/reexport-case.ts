// Helpers of the reexport tests: a small stack made by the real `emingest sample`, the finished run A with
// --clahe 2 that the tests reexport, and the comparison of two output folders object for object
// (test/support/run-bytes.ts sameRunObject; the state under .emingest/ is not an output).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../../support/cli.js";
import { sameRunObject } from "../../support/run-bytes.js";

export function tempDir(t: { after: (fn: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `count` slices of `size` px (seed 5) in dir/slices, with an ingest.json holding `config`. */
export async function sampleSlices(dir: string, count: number, size: string, config: Record<string, unknown>): Promise<string> {
  const slices = path.join(dir, "slices");
  const r = await runCli(["sample", slices, "--count", String(count), "--size", size, "--seed", "5"]);
  assert.equal(r.code, 0, r.stderr);
  rmSync(path.join(slices, "ground-truth.json"));
  writeFileSync(path.join(slices, "ingest.json"), JSON.stringify(config));
  return slices;
}

/** Every file below dir outside .emingest/, relative path -> bytes. */
export async function outputFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      if (!rel && entry.name === ".emingest") continue;
      if (entry.isDirectory()) await walk(key);
      else files.set(key, await fs.readFile(path.join(dir, key)));
    }
  };
  await walk("");
  return files;
}

/** The keys of two output folders that differ (missing on one side, or other bytes): empty when they are the same run's. */
export async function differingObjects(a: string, b: string): Promise<string[]> {
  const [left, right] = [await outputFiles(a), await outputFiles(b)];
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  return keys.filter((k) => {
    const x = left.get(k);
    return x === undefined || !sameRunObject(k, x, right.get(k));
  });
}

export async function claimOf(dir: string): Promise<string> {
  return (JSON.parse(await fs.readFile(path.join(dir, ".emingest", "run.json"), "utf8")) as { run: string }).run;
}
