// Helpers of the input and serve hostile cases: a snapshot of a folder that never opens what it should not
// (FIFOs, devices), and slice stacks written as TIFF. The real CLI, with an environment: test/support/cli.ts.
import { createHash } from "node:crypto";
import { mkdtempSync, promises as fs, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import sharp from "sharp";
import { runCli } from "../../support/cli.js";
import { tiffBytes, type TiffOptions } from "./tiff-bytes.js";

export function tempDir(t: { after: (fn: () => void) => void }, prefix = "emhostile-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Exit 1 with exactly this one line on stderr (and nothing on stdout). */
export async function expectRefusal(args: readonly string[], line: string, env: Record<string, string> = {}): Promise<void> {
  const r = await runCli(args, env);
  assert.equal(r.stderr, `emingest: ${line}\n`, `stderr of emingest ${args.join(" ")}`);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
}

/** Files above this are fingerprinted by size and modification time (the sparse 3 GiB shard of the serve case). */
const HASHED_UP_TO = 256 * 1024 * 1024;

/**
 * Every entry under dir by lstat: regular files by sha256, links by target, FIFOs, sockets and devices by
 * kind (never opened). Compared before and after a case: nothing the user had is lost or changed.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, child);
      if (entry.isDirectory()) {
        out[`${child}/`] = "folder";
        await walk(child);
      } else if (entry.isSymbolicLink()) out[child] = `-> ${await fs.readlink(full)}`;
      else if (entry.isFile()) {
        const stat = await fs.stat(full, { bigint: true });
        out[child] = stat.size > HASHED_UP_TO ? `${stat.size} bytes, mtime ${stat.mtimeNs}` : createHash("sha256").update(await fs.readFile(full)).digest("hex");
      }
      else out[child] = entry.isFIFO() ? "fifo" : entry.isSocket() ? "socket" : "device";
    }
  };
  await walk("");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The 8-bit grayscale pixels of each PNG of a sample stack, in slice order. */
export async function samplePixels(dir: string, count: number): Promise<Array<{ width: number; height: number; data: Uint8Array }>> {
  const out = [];
  for (let z = 0; z < count; z++) {
    const { data, info } = await sharp(path.join(dir, `img${String(z).padStart(5, "0")}.png`)).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
    out.push({ width: info.width, height: info.height, data: new Uint8Array(data) });
  }
  return out;
}

/** Writes `img0000z.tif` for each plane, samples mapped by `map` (8-bit value, index) into the TIFF's type. */
export async function writeTiffStack(
  dir: string,
  planes: ReadonlyArray<{ width: number; height: number; data: Uint8Array }>,
  type: { bits: 8 | 16; signed: boolean },
  map: (v8: number, i: number, z: number) => number,
  options: TiffOptions = {},
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [z, p] of planes.entries()) {
    const samples = Array.from(p.data, (v, i) => map(v, i, z));
    await fs.writeFile(path.join(dir, `img${String(z).padStart(5, "0")}.tif`), tiffBytes([{ width: p.width, height: p.height, ...type, samples }], options));
  }
}
