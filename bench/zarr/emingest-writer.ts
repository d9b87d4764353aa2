// emingest side of bench/zarr: writes the OME-Zarr copy of one volume as production does (every cube task's
// scales, then the reduce step's), to files under OUT_DIR, and no precomputed volume.
//
//   node dist/bench/zarr/emingest-writer.js VOLUME_FILE SX SY SZ CUBE OUT_DIR
//
// Timed region: cropping each cube out of the loaded volume (skipped when one cube is the whole volume),
// the downsampling and zarr shards of every cube, assembleHandoff and the reduce step, file writes included.
// The zarr.json documents are written first, outside the timed region. Prints JSON {"seconds", "cpu_seconds"}.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { timeCubeWrites } from "../cube-writes.js";
import { planPyramid, type BlockWriter, type Vec3 } from "../../core/precomputed/index.js";
import type { ObjectStore } from "../../core/ports.js";
import { writeZarrMetadata, ZARR_PREFIX, zarrBlockWriters } from "../../core/zarr/index.js";

/** Just enough of a store for the zarr writer: put into files under root, which stands for ZARR_PREFIX. */
function dirStore(root: string): ObjectStore {
  const made = new Set<string>();
  const unused = (): never => {
    throw new Error("bench store: write only");
  };
  return {
    put: async (key, bytes) => {
      if (!key.startsWith(ZARR_PREFIX)) throw new Error(`bench store: ${key} is not under ${ZARR_PREFIX}`);
      const file = path.join(root, key.slice(ZARR_PREFIX.length));
      const dir = path.dirname(file);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      await writeFile(file, bytes);
    },
    get: unused,
    getVersioned: unused,
    getRange: unused,
    list: unused,
    listVersions: unused,
    delete: unused,
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const [volumeFile, sx, sy, sz, cubeEdge, out] = argv;
  const size: Vec3 = [Number(sx), Number(sy), Number(sz)];
  const cube = Number(cubeEdge);
  const plan = planPyramid({ size, resolution: [8, 8, 8], chunk: [64, 64, 64], cube: [cube, cube, cube] });
  const store = dirStore(out);
  const placement = plan.scales.map((s) => ({ resolution: s.resolution, voxel_offset: [0, 0, 0] as [number, number, number] }));
  await writeZarrMetadata(store, plan, placement, "bench");
  const writers: BlockWriter[] = zarrBlockWriters(true, plan, store);
  await timeCubeWrites(plan, volumeFile, size, [], writers);
}

await main(process.argv.slice(2));
