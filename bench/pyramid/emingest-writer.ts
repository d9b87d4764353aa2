// emingest side of bench/pyramid: writes every scale of one volume, as production does (every cube task,
// then the reduce step), to files under OUT_DIR.
//
//   node dist/bench/pyramid/emingest-writer.js VOLUME_FILE SX SY SZ ENCODING QUALITY CUBE OUT_DIR
//
// Timed region: cropping each cube's voxels out of the loaded volume (skipped when one cube is the whole
// volume), writeCube for every cube, assembleHandoff and writeReduce, file writes included. Writes
// OUT_DIR/info first (outside the timed region). Prints JSON {"seconds", "cpu_seconds"}.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  assembleHandoff,
  cubeBoxAt,
  extractBox,
  infoBytes,
  listCubes,
  planPyramid,
  voxelBlock,
  writeCube,
  writeReduce,
  type CubeHandoff,
  type PutFn,
  type PyramidPlan,
  type Vec3,
  type VolumeTarget,
} from "../../core/precomputed/index.js";

function benchPlan(size: Vec3, cube: number): PyramidPlan {
  return planPyramid({ size, resolution: [8, 8, 8], chunk: [64, 64, 64], cube: [cube, cube, cube] });
}

function benchTarget(encoding: string, quality: number, put: PutFn): VolumeTarget {
  if (encoding === "jpeg") return { encoding: "jpeg", jpegQuality: quality, put };
  if (encoding === "raw") return { encoding: "raw", dataEncoding: "gzip", put };
  if (encoding === "png") return { encoding: "png", put };
  throw new RangeError(`encoding must be jpeg, raw or png, got ${encoding}`);
}

function dirPut(root: string): PutFn {
  const made = new Set<string>();
  return async (key, bytes) => {
    const file = path.join(root, key);
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    await writeFile(file, bytes);
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const [volumeFile, sx, sy, sz, encoding, quality, cubeEdge, out] = argv;
  const size: Vec3 = [Number(sx), Number(sy), Number(sz)];
  const plan = benchPlan(size, Number(cubeEdge));
  const put = dirPut(out);
  const target = benchTarget(encoding, Number(quality), put);
  await put("info", infoBytes(plan, target));
  const buf = await readFile(volumeFile);
  const volume = voxelBlock(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), [0, 0, 0], size);
  const single = plan.cubeGrid.every((n) => n === 1);

  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const handoffs: CubeHandoff[] = [];
  for (const cube of listCubes(plan)) {
    const voxels = single ? volume.data : extractBox(volume, cubeBoxAt(plan, cube, 0));
    const handoff = await writeCube({ plan, cube, voxels, targets: [target] });
    if (handoff) handoffs.push(handoff);
  }
  if (plan.handoffScale !== undefined) await writeReduce({ plan, voxels: assembleHandoff(plan, handoffs).data, targets: [target] });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  console.log(JSON.stringify({ seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6 }));
}

await main(process.argv.slice(2));
