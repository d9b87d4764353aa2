// bench/pyramid (issue 4 item 6): emingest vs tensorstore writing the same multiscale volume on one core.
//
//   node dist/bench/pyramid/run.js [--size 1024,1024,256] [--cube 512] [--quality 85] [--reps 3]
//                                  [--encodings jpeg,raw] [--cpu 0] [--keep]
//
// One smooth-noise texture (texture.ts) is written once to a temp file. Per encoding and repetition, two
// child processes each pinned to one CPU with `taskset -c CPU` write every scale to their own directory:
// emingest-writer.js (cube tasks + reduce step, as production) and tensorstore_writer.py (tensorstore
// 0.1.x neuroglancer_precomputed, data_copy_concurrency and file_io_concurrency limited to 1, numpy box-mean
// downsampling inside its timed region). Both use emingest's info: same scales, 64^3 chunks, the same
// neuroglancer_uint64_sharded_v1 spec per scale (raw volumes: gzip data_encoding), same JPEG quality.
// The order of the two alternates per repetition; the table shows medians and emingest/tensorstore ratios.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { emTexture } from "./texture.js";
import { benchPaths, comparisonCells, COMPARISON_HEADER, fileSizes, optionReader, pinned, printTable } from "../support.js";

const exec = promisify(execFile);
const { here, repoRoot, python } = benchPaths(import.meta.url);
const tsWriter = path.join(repoRoot, "bench", "pyramid", "tensorstore_writer.py");
const emWriter = path.join(here, "emingest-writer.js");

interface Options {
  size: [number, number, number];
  cube: number;
  quality: number;
  reps: number;
  encodings: string[];
  cpu: number;
  keep: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const get = optionReader(argv);
  const size = get("size", "1024,1024,256").split(",").map(Number);
  if (size.length !== 3 || size.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError(`--size must be X,Y,Z, got ${get("size", "")}`);
  return {
    size: size as [number, number, number],
    cube: Number(get("cube", "512")),
    quality: Number(get("quality", "85")),
    reps: Number(get("reps", "3")),
    encodings: get("encodings", "jpeg,raw").split(","),
    cpu: Number(get("cpu", "0")),
    keep: argv.includes("--keep"),
  };
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

async function main(argv: readonly string[]): Promise<void> {
  const o = parseOptions(argv);
  const voxels = o.size[0] * o.size[1] * o.size[2];
  const tmp = await mkdtemp(path.join(tmpdir(), "emingest-bench-"));
  const volumeFile = path.join(tmp, "volume.u8");
  await writeFile(volumeFile, emTexture(o.size));
  const tsVersion = (await exec(python, ["-c", "import importlib.metadata as m; print(m.version('tensorstore'))"])).stdout.trim();
  console.log(`bench/pyramid ${new Date().toISOString()}: ${cpus()[0]?.model} (${cpus().length} CPUs, both writers pinned to CPU ${o.cpu}), node ${process.version}, tensorstore ${tsVersion}`);
  console.log(`volume ${o.size.join("x")} uint8 smooth-noise texture, chunk 64^3, cube ${o.cube}^3, jpeg quality ${o.quality}, ${o.reps} repetitions`);

  const rows: string[][] = [["encoding", "scales", ...COMPARISON_HEADER]];
  const results: unknown[] = [];
  for (const encoding of o.encodings) {
    const em: number[] = [];
    const ts: number[] = [];
    const emCpu: number[] = [];
    const tsCpu: number[] = [];
    let emBytes = 0;
    let tsBytes = 0;
    let sameKeys = true;
    let scales = 0;
    for (let r = 0; r < o.reps; r++) {
      const emOut = path.join(tmp, `emingest-${encoding}-${r}`);
      const tsOut = path.join(tmp, `tensorstore-${encoding}-${r}`);
      const runEm = async (): Promise<void> => {
        const t = await pinned(o.cpu, process.execPath, [emWriter, volumeFile, ...o.size.map(String), encoding, String(o.quality), String(o.cube), emOut]);
        em.push(t.seconds);
        emCpu.push(t.cpu_seconds);
      };
      // tensorstore creates its scales from emingest's info, so emingest runs first in the first repetition.
      const runTs = async (): Promise<void> => {
        const t = await pinned(o.cpu, python, [tsWriter, volumeFile, path.join(tmp, `info-${encoding}`), tsOut]);
        ts.push(t.seconds);
        tsCpu.push(t.cpu_seconds);
      };
      if (r === 0) {
        await runEm();
        await writeFile(path.join(tmp, `info-${encoding}`), await (await import("node:fs/promises")).readFile(path.join(emOut, "info")));
        await runTs();
      } else if (r % 2 === 1) {
        await runTs();
        await runEm();
      } else {
        await runEm();
        await runTs();
      }
      const emFiles = await fileSizes(emOut);
      const tsFiles = await fileSizes(tsOut);
      emBytes = sum(emFiles);
      tsBytes = sum(tsFiles);
      scales = new Set([...emFiles.keys()].map((k) => path.dirname(k)).filter((d) => d !== ".")).size;
      sameKeys &&= JSON.stringify([...emFiles.keys()].sort()) === JSON.stringify([...tsFiles.keys()].sort());
      if (!o.keep || r < o.reps - 1) await Promise.all([rm(emOut, { recursive: true }), rm(tsOut, { recursive: true })]);
    }
    results.push({ encoding, emingestSeconds: em, tensorstoreSeconds: ts, emingestCpuSeconds: emCpu, tensorstoreCpuSeconds: tsCpu, emingestBytes: emBytes, tensorstoreBytes: tsBytes, sameKeys });
    rows.push([encoding, String(scales), ...comparisonCells({ seconds: em, cpuSeconds: emCpu, bytes: emBytes }, { seconds: ts, cpuSeconds: tsCpu, bytes: tsBytes }, voxels, sameKeys)]);
  }
  printTable(rows);
  console.log("Mvox/s = scale-0 voxels / wall seconds for the whole pyramid; speed ratio = emingest / tensorstore throughput;");
  console.log("cpu-s ratio = the same from CPU seconds (all threads) instead of wall seconds: steadier when the machine is shared;");
  console.log("B/vox = bytes of every output object (all scales, info included) / scale-0 voxels; size ratio = emingest / tensorstore.");
  console.log(JSON.stringify({ size: o.size, cube: o.cube, quality: o.quality, results }));
  if (o.keep) console.log(`outputs kept in ${tmp}`);
  else await rm(tmp, { recursive: true });
}

await main(process.argv.slice(2));
