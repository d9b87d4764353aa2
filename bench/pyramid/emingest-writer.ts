// emingest side of bench/pyramid: writes every scale of one volume, as production does (every cube task,
// then the reduce step), to files under OUT_DIR.
//
//   node dist/bench/pyramid/emingest-writer.js VOLUME_FILE SX SY SZ ENCODING QUALITY CUBE OUT_DIR
//
// Timed region: cropping each cube's voxels out of the loaded volume (skipped when one cube is the whole
// volume), writeCube for every cube, assembleHandoff and writeReduce, file writes included. Writes
// OUT_DIR/info first (outside the timed region). Prints JSON {"seconds", "cpu_seconds"}.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { timeCubeWrites } from "../cube-writes.js";
import { infoBytes, planPyramid, type PutFn, type PyramidPlan, type Vec3, type VolumeTarget } from "../../core/precomputed/index.js";

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
  await timeCubeWrites(plan, volumeFile, size, [target]);
}

await main(process.argv.slice(2));
