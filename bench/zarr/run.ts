// bench/zarr (issue 16 item 1): emingest vs tensorstore writing the same OME-Zarr levels on one core.
//
//   node dist/bench/zarr/run.js [--size 1024,1024,256] [--cube 512] [--reps 3] [--cpu 0] [--keep]
//
// One smooth-noise texture (bench/pyramid/texture.ts) is written once to a temp file. Per repetition, two
// child processes each pinned to one CPU (`taskset -c CPU`) write every level to their own directory:
// emingest-writer.js (cube tasks + reduce step, as production) and tensorstore_writer.py (tensorstore's
// zarr3 driver, one thread, numpy box-mean downsampling inside its timed region), each level created from
// emingest's zarr.json: the same shard and inner chunk shapes, zstd at the same level, crc32c index. The
// order alternates per repetition; the table shows medians. Bytes and keys count the shards only (the
// zarr.json documents are written outside both timed regions).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ZSTD_LEVEL } from "../../core/zarr/index.js";
import { emTexture } from "../pyramid/texture.js";
import { benchPaths, comparisonCells, COMPARISON_HEADER, fileSizes, optionReader, pinned, printTable } from "../support.js";

const exec = promisify(execFile);
const { here, repoRoot, python } = benchPaths(import.meta.url);
const tsWriter = path.join(repoRoot, "bench", "zarr", "tensorstore_writer.py");
const emWriter = path.join(here, "emingest-writer.js");

const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

async function main(argv: readonly string[]): Promise<void> {
  const get = optionReader(argv);
  const size = get("size", "1024,1024,256").split(",").map(Number) as [number, number, number];
  if (size.length !== 3 || size.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError(`--size must be X,Y,Z, got ${get("size", "")}`);
  const cube = Number(get("cube", "512"));
  const reps = Number(get("reps", "3"));
  const cpu = Number(get("cpu", "0"));
  const keep = argv.includes("--keep");
  const voxels = size[0] * size[1] * size[2];
  const tmp = await mkdtemp(path.join(tmpdir(), "emingest-bench-zarr-"));
  const volumeFile = path.join(tmp, "volume.u8");
  await writeFile(volumeFile, emTexture(size));
  const tsVersion = (await exec(python, ["-c", "import importlib.metadata as m; print(m.version('tensorstore'))"])).stdout.trim();
  console.log(`bench/zarr ${new Date().toISOString()}: ${cpus()[0]?.model} (${cpus().length} CPUs, both writers pinned to CPU ${cpu}), node ${process.version}, tensorstore ${tsVersion}`);
  console.log(`volume ${size.join("x")} uint8 smooth-noise texture, inner chunk 64^3, cube ${cube}^3, zstd level ${ZSTD_LEVEL}, ${reps} repetitions`);
  const em: number[] = [];
  const ts: number[] = [];
  const emCpu: number[] = [];
  const tsCpu: number[] = [];
  let emBytes = 0;
  let tsBytes = 0;
  let sameKeys = true;
  let kept = "";
  for (let r = 0; r < reps; r++) {
    const emOut = path.join(tmp, `emingest-${r}`);
    const tsOut = path.join(tmp, `tensorstore-${r}`);
    const runEm = async (): Promise<void> => {
      const t = await pinned(cpu, process.execPath, [emWriter, volumeFile, ...size.map(String), String(cube), emOut]);
      em.push(t.seconds);
      emCpu.push(t.cpu_seconds);
    };
    // tensorstore creates its levels from emingest's zarr.json: emingest goes first in every odd repetition.
    const runTs = async (from: string): Promise<void> => {
      const t = await pinned(cpu, python, [tsWriter, volumeFile, from, tsOut]);
      ts.push(t.seconds);
      tsCpu.push(t.cpu_seconds);
    };
    if (r % 2 === 0) {
      await runEm();
      await runTs(emOut);
    } else {
      await runTs(path.join(tmp, `emingest-${r - 1}`));
      await runEm();
    }
    const emFiles = await fileSizes(emOut, (name) => name !== "zarr.json");
    const tsFiles = await fileSizes(tsOut, (name) => name !== "zarr.json");
    emBytes = total(emFiles);
    tsBytes = total(tsFiles);
    sameKeys &&= JSON.stringify([...emFiles.keys()].sort()) === JSON.stringify([...tsFiles.keys()].sort());
    if (r > 0 && !(keep && r === reps - 1)) await rm(path.join(tmp, `emingest-${r - 1}`), { recursive: true });
    if (!(keep && r === reps - 1)) await rm(tsOut, { recursive: true });
    kept = emOut;
  }
  printTable([COMPARISON_HEADER, comparisonCells({ seconds: em, cpuSeconds: emCpu, bytes: emBytes }, { seconds: ts, cpuSeconds: tsCpu, bytes: tsBytes }, voxels, sameKeys)]);
  console.log("Mvox/s = scale-0 voxels / wall seconds for every level; speed ratio = emingest / tensorstore throughput; cpu-s ratio");
  console.log("= the same from CPU seconds; B/vox = bytes of every shard (all levels) / scale-0 voxels; size ratio = emingest / tensorstore.");
  console.log(JSON.stringify({ size, cube, zstdLevel: ZSTD_LEVEL, emingestSeconds: em, tensorstoreSeconds: ts, emingestCpuSeconds: emCpu, tensorstoreCpuSeconds: tsCpu, emingestBytes: emBytes, tensorstoreBytes: tsBytes, sameKeys }));
  if (keep) console.log(`outputs kept in ${tmp} (last: ${kept})`);
  else await rm(tmp, { recursive: true });
}

await main(process.argv.slice(2));
