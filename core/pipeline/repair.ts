// What a rerun redoes when a finished run's output is damaged (output-ledger.ts): the pyramid task that
// wrote a damaged shard and the render tasks of its slices (their tiles were deleted with tmp/); for a
// damaged scale above the cube size, every cube (the reduce reads every cube's handoff); the report, the
// info files and the manifest are rewritten by the plan and finalize steps, which a repair always runs.
// The repair is stored on the run record before any of it runs, so a rerun after a kill redoes it again.
import { cubeBoxAt } from "../precomputed/index.js";
import type { Repair } from "../run-details.js";
import type { Damage } from "./output-ledger.js";
import type { RunPlan } from "./run-plan.js";
import { task } from "./tasks.js";

/** `damage` undefined: the run recorded no outputs to check them against, so all of it is redone. */
export function repairFor(plan: RunPlan, damage: readonly Damage[] | undefined): Repair {
  const byId = new Map(plan.cubes.map((cube) => [task.pyramid(plan.run, cube).id, cube] as const));
  const everything = damage === undefined || damage.some((d) => d.by === "reduce");
  const cubes = everything
    ? plan.cubes
    : [...new Set(damage.map((d) => d.by))].map((id) => byId.get(id)).filter((c): c is [number, number, number] => c !== undefined);
  const zs = new Set<number>();
  for (const cube of cubes) {
    const box = cubeBoxAt(plan.pyramid, cube, 0);
    for (let k = box.begin[2]; k < box.end[2]; k++) zs.add(plan.firstZ + k);
  }
  return {
    render: [...zs].sort((a, b) => a - b),
    pyramid: cubes.map((cube) => task.pyramid(plan.run, cube).id),
    reduce: everything && plan.pyramid.handoffScale !== undefined,
  };
}
