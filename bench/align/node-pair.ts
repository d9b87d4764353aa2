// One pair with emingest's engine, in its own process (bench/align/run.ts starts it under taskset and
// --max-old-space-size). Prints one JSON line.
//
//   node dist/bench/align/node-pair.js PREV.png CUR.png [PARAMS_JSON]   (Partial<AlignParams>; default: the defaults)
//
// Before the timer: the native OpenCV addon is loaded and the engine warmed up (see below; a worker aligns
// many slices, and JIT and heap growth are per-process costs). Timed, in this order:
// read + decode PREV (sharp), features of PREV, drop the image; the same for CUR; alignPair. Peak memory:
// process.resourceUsage().maxRSS and /proc/self/status VmHWM.
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { alignPair, DEFAULT_ALIGN_PARAMS, extractFeatures, openCv, type AlignParams, type SliceFeatures } from "../../core/align/index.js";
import { IDENTITY } from "../../core/geometry/affine.js";
import { decodeSlice, isGray16 } from "../../core/image/decode.js";
import { DEFAULT_TISSUE, renderTissue } from "../../core/sample/index.js";

function vmHwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : NaN;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function main(argv: readonly string[]): Promise<void> {
  const [prevFile, curFile] = argv;
  const params = JSON.parse(argv[2] ?? "{}") as Partial<AlignParams>;
  if (!prevFile || !curFile) throw new Error("usage: node-pair.js PREV.png CUR.png [PARAMS_JSON]");
  openCv();
  // Warm-up, as in a worker that has aligned slices before: two pairs at the size features are found on
  // (JIT tier-up and the heap grown to its working size).
  const side = params.maxSize ?? DEFAULT_ALIGN_PARAMS.maxSize;
  const tissue = { ...DEFAULT_TISSUE, cellSize: (DEFAULT_TISSUE.cellSize * side) / 1024 };
  const warm = (z: number) => ({ width: side, height: side, data: renderTissue(tissue, { z, transform: IDENTITY, width: side, height: side, noise: 6 }) });
  const [w0, w1] = [warm(0), warm(1)];
  for (let i = 0; i < 2; i++) await alignPair(await extractFeatures(w0, params), await extractFeatures(w1, params), params);
  const rssBeforeMiB = process.memoryUsage().rss / 1048576;

  const ms = { decode: 0, features: 0, pair: 0 };
  const cpuMs = { decode: 0, features: 0, pair: 0 };
  const t0 = performance.now();
  const c0 = cpuSeconds();
  const features = async (file: string): Promise<SliceFeatures> => {
    let t = performance.now();
    let c = cpuSeconds();
    const image = await decodeSlice(await readFile(file), file, 2 ** 30);
    if (isGray16(image)) throw new Error(`${file}: expected 8-bit`);
    ms.decode += performance.now() - t;
    cpuMs.decode += 1000 * (cpuSeconds() - c);
    t = performance.now();
    c = cpuSeconds();
    const f = await extractFeatures(image, params);
    ms.features += performance.now() - t;
    cpuMs.features += 1000 * (cpuSeconds() - c);
    return f;
  };
  const prev = await features(prevFile);
  const cur = await features(curFile);
  const t = performance.now();
  const c = cpuSeconds();
  const result = await alignPair(prev, cur, params);
  ms.pair = performance.now() - t;
  cpuMs.pair = 1000 * (cpuSeconds() - c);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  console.log(
    JSON.stringify({
      engine: "emingest",
      seconds,
      cpuSeconds: cpu,
      ms,
      cpuMs,
      keypoints: [prev.count, cur.count],
      factor: cur.factor,
      ok: result.ok,
      model: result.model,
      matches: result.matches,
      inliers: result.inliers,
      residualPx: result.residualPx,
      flags: result.flags,
      matrix: result.matrix,
      rssBeforeMiB,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      vmHwmMiB: vmHwmKiB() / 1024,
    }),
  );
}

await main(process.argv.slice(2));
