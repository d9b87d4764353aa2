// The timed region both emingest writers of the benches share (bench/pyramid, bench/zarr): load the volume,
// then, as production does, every cube task (its voxels cropped out of the volume unless one cube is the
// whole of it) and the reduce step; prints JSON {"seconds", "cpu_seconds"}.
import { readFile } from "node:fs/promises";
import {
  assembleHandoff,
  cubeBoxAt,
  extractBox,
  listCubes,
  voxelBlock,
  writeCube,
  writeReduce,
  type BlockWriter,
  type CubeHandoff,
  type PyramidPlan,
  type Vec3,
  type VolumeTarget,
} from "../core/precomputed/index.js";

export async function timeCubeWrites(plan: PyramidPlan, volumeFile: string, size: Vec3, targets: VolumeTarget[], blockWriters?: BlockWriter[]): Promise<void> {
  const buf = await readFile(volumeFile);
  const volume = voxelBlock(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), [0, 0, 0], size);
  const single = plan.cubeGrid.every((n) => n === 1);

  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const handoffs: CubeHandoff[] = [];
  for (const cube of listCubes(plan)) {
    const voxels = single ? volume.data : extractBox(volume, cubeBoxAt(plan, cube, 0));
    const handoff = await writeCube({ plan, cube, voxels, targets, blockWriters });
    if (handoff) handoffs.push(handoff);
  }
  if (plan.handoffScale !== undefined) await writeReduce({ plan, voxels: assembleHandoff(plan, handoffs).data, targets, blockWriters });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  console.log(JSON.stringify({ seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6 }));
}
