// bench/jpeg: per-chunk cost of grayscale JPEG encoders for 64^3 uint8 chunks, against tensorstore's.
//
//   taskset -c 0 node dist/bench/jpeg/run.js [--prefix /tmp/jpegbench] [--chunks 32] [--quality 85]
//                                           [--min-seconds 2] [--only SUBSTRING]
//
// Chunks: 64^3 crops of the bench texture (bench/pyramid/texture.ts) at different origins, each encoded as
// volume.md's jpeg chunk: a 64 x 4096 gray image. Per candidate (encoders.ts; packages other than sharp come
// from the scratch npm prefix --prefix): the format of its output (SOF marker, components), bytes, mean and
// max |decoded - source| by sharp's decoder and by tensorstore's (the candidate's chunks are put in a copy
// of tensorstore's own volume and read back with tensorstore), whether the bytes equal tensorstore's, and
// per-chunk CPU and wall ms (passes over all chunks, awaited one at a time, for at least --min-seconds).
// Reference row: tensorstore writing the same chunks to an unsharded volume on one thread (file writes in).
// Run the whole process under `taskset -c 0` for one core.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { emTexture } from "../pyramid/texture.js";
import { scratchCandidates, sharpCandidates, type Candidate } from "./encoders.js";
import { benchPaths, optionReader } from "../support.js";

const exec = promisify(execFile);
const { repoRoot, python } = benchPaths(import.meta.url);
const tsScript = path.join(repoRoot, "bench", "jpeg", "tensorstore_chunks.py");
const EDGE = 64;
const VOX = EDGE ** 3;

interface Options {
  prefix: string;
  chunks: number;
  quality: number;
  minSeconds: number;
  only: string;
}

function parseOptions(argv: readonly string[]): Options {
  const get = optionReader(argv);
  return {
    prefix: get("prefix", "/tmp/jpegbench"),
    chunks: Number(get("chunks", "32")),
    quality: Number(get("quality", "85")),
    minSeconds: Number(get("min-seconds", "2")),
    only: get("only", ""),
  };
}

/** SOF marker (0xC0 baseline, 0xC1 extended, 0xC2 progressive) and component count, from the marker segments. */
function jpegFrame(b: Uint8Array): { sof: string; components: number } {
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const m = b[i + 1];
    const len = (b[i + 2] << 8) | b[i + 3];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { sof: `SOF${m - 0xc0}`, components: b[i + 9] };
    i += 2 + len;
  }
  return { sof: "none", components: 0 };
}

async function sharpDecode(b: Uint8Array): Promise<Uint8Array> {
  const { data } = await sharp(b).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  return data;
}

function absDiff(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

interface Row {
  name: string;
  pkg: string;
  cpuMs: number;
  wallMs: number;
  bytes: number;
  mean: number;
  max: number;
  /** tensorstore's decode of the candidate's chunks, or its error. */
  tsRead: string;
  format: string;
  sameAsTensorstore: string;
}

async function time(c: Candidate, chunks: Uint8Array[], q: number, minSeconds: number): Promise<{ cpuMs: number; wallMs: number }> {
  for (const g of chunks.slice(0, 4)) await c.encode(g, EDGE, EDGE * EDGE, q);
  let n = 0;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  do {
    for (const g of chunks) await c.encode(g, EDGE, EDGE * EDGE, q);
    n += chunks.length;
  } while (performance.now() - w0 < minSeconds * 1000 && n < chunks.length * 50);
  const cpu = process.cpuUsage(c0);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / n, wallMs: (performance.now() - w0) / n };
}

async function main(argv: readonly string[]): Promise<void> {
  const o = parseOptions(argv);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < o.chunks; i++) chunks.push(emTexture([EDGE, EDGE, EDGE], [(i % 4) * EDGE, (Math.floor(i / 4) % 4) * EDGE, Math.floor(i / 16) * EDGE]));
  const tmp = await mkdtemp(path.join(tmpdir(), "emingest-jpegbench-"));
  try {
    const volumeFile = path.join(tmp, "voxels.u8");
    const all = new Uint8Array(VOX * chunks.length);
    chunks.forEach((c, i) => all.set(c, i * VOX));
    await writeFile(volumeFile, all);
    const tsDir = path.join(tmp, "tensorstore");
    const { stdout } = await exec(python, [tsScript, volumeFile, String(chunks.length), String(o.quality), tsDir]);
    const ref = JSON.parse(stdout.trim().split("\n").pop() ?? "") as { files: string[]; cpu_seconds: number; seconds: number };
    const tsChunks = await Promise.all(ref.files.map(async (f) => new Uint8Array(await readFile(path.join(tsDir, f)))));

    const rows: Row[] = [];
    const tsDecoded = await Promise.all(tsChunks.map(sharpDecode));
    const tsErr = tsDecoded.map((d, i) => absDiff(d, chunks[i]));
    rows.push({
      name: "tensorstore (reference: whole write, files incl.)",
      pkg: "tensorstore (PyPI)",
      cpuMs: (ref.cpu_seconds * 1000) / chunks.length,
      wallMs: (ref.seconds * 1000) / chunks.length,
      bytes: tsChunks.reduce((s, b) => s + b.length, 0) / chunks.length,
      mean: tsErr.reduce((s, e) => s + e.mean, 0) / chunks.length,
      max: Math.max(...tsErr.map((e) => e.max)),
      tsRead: "-",
      format: `${jpegFrame(tsChunks[0]).sof}/${jpegFrame(tsChunks[0]).components}`,
      sameAsTensorstore: "-",
    });

    const candidates = [...sharpCandidates(), ...(await scratchCandidates(o.prefix))].filter((c) => c.name.includes(o.only));
    const candDirs: string[] = [];
    for (const [k, c] of candidates.entries()) {
      const outs: Uint8Array[] = [];
      for (const g of chunks) outs.push(await c.encode(g, EDGE, EDGE * EDGE, o.quality));
      const errs = await Promise.all(outs.map(async (b, i) => absDiff(await sharpDecode(b), chunks[i])));
      const dir = path.join(tmp, `cand${k}`);
      await cp(tsDir, dir, { recursive: true });
      await Promise.all(outs.map((b, i) => writeFile(path.join(dir, ref.files[i]), b)));
      candDirs.push(dir);
      const same = outs.filter((b, i) => equalBytes(b, tsChunks[i])).length;
      const f = jpegFrame(outs[0]);
      const t = await time(c, chunks, o.quality, o.minSeconds);
      rows.push({
        name: c.name,
        pkg: c.pkg,
        ...t,
        bytes: outs.reduce((s, b) => s + b.length, 0) / chunks.length,
        mean: errs.reduce((s, e) => s + e.mean, 0) / chunks.length,
        max: Math.max(...errs.map((e) => e.max)),
        tsRead: "",
        format: `${f.sof}/${f.components}`,
        sameAsTensorstore: `${same}/${chunks.length}`,
      });
      console.error(`# ${c.name}: ${t.cpuMs.toFixed(3)} CPU ms/chunk`);
    }
    if (candDirs.length > 0) {
      const r = await exec(python, [tsScript, "--read", volumeFile, String(chunks.length), ...candDirs]);
      const read = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as Record<string, { mean_abs?: number; max_abs?: number; error?: string }>;
      candDirs.forEach((d, k) => {
        const e = read[d];
        rows[k + 1].tsRead = e.error ?? `${(e.mean_abs ?? NaN).toFixed(3)} (max ${e.max_abs})`;
      });
    }

    console.log(`\n${chunks.length} chunks of 64^3 (64 x 4096 gray), quality ${o.quality}, sharp.concurrency ${sharp.concurrency()}\n`);
    console.log("| candidate | package | CPU ms/chunk | wall ms/chunk | bytes/chunk | mean abs (sharp decode) | max abs | mean abs (tensorstore decode) | frame/components | bytes = tensorstore's |");
    console.log("|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
      console.log(`| ${r.name} | ${r.pkg} | ${r.cpuMs.toFixed(3)} | ${r.wallMs.toFixed(3)} | ${Math.round(r.bytes)} | ${r.mean.toFixed(3)} | ${r.max} | ${r.tsRead} | ${r.format} | ${r.sameAsTensorstore} |`);
    }
    console.log(JSON.stringify({ quality: o.quality, chunks: chunks.length, rows }));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
