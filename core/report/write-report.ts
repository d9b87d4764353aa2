// The per-slice report of a finished run (DESIGN.md "Bucket layout", report/): transforms.json, transforms.csv
// (one row per slice: global transform, pair model, inliers, residual, flags; RFC 4180, csv.ts) and the
// quality plot.
import { apply, corners } from "../geometry/affine.js";
import { inverseMap, type PairResult } from "../align/index.js";
import type { StepDeps } from "../pipeline/deps.js";
import { keys } from "../pipeline/keys.js";
import { writeJson, type RunManifest } from "../pipeline/manifest.js";
import type { RunPlan } from "../pipeline/run-plan.js";
import { csvText } from "./csv.js";
import { voxelOffset } from "../pipeline/placement.js";
import { runProvenance } from "./provenance.js";
import { qualityPlotSvg } from "./quality-plot.js";
import { reportPage } from "./report-page.js";
import { writeReslices } from "./reslices.js";
import { viewerState } from "./viewer-state.js";

/** `volumes`: the folder of every volume written (`ng/jpeg/`, ...); each gets its `provenance` beside `info`. */
export async function writeReport(deps: StepDeps, manifest: RunManifest, plan: RunPlan, pairs: Map<number, PairResult>, volumes: readonly string[]): Promise<void> {
  const provenance = runProvenance(manifest, deps.sourceName, deps.codeVersion);
  for (const volume of volumes) await writeJson(deps.out, `${volume}provenance`, provenance);
  const offset = voxelOffset(manifest.config, plan.box, plan.firstZ);
  const state = viewerState(volumes, plan.pyramid, offset);
  await writeJson(deps.out, keys.report("neuroglancer.json"), state);
  const reslices = await writeReslices(deps, manifest, plan, volumes);
  await deps.out.put(keys.report("index.html"), new TextEncoder().encode(reportPage(manifest, plan, reslices, state)), { contentType: "text/html" });
  const rows = manifest.slices.map((slice, i) => {
    const pair = pairs.get(slice.z);
    const global = plan.globals[i];
    return {
      z: slice.z,
      key: slice.key,
      source: plan.sources[i],
      global,
      /** The output -> source pixel map the render step used (cv.warpAffine with WARP_INVERSE_MAP). */
      warp: inverseMap(global, plan.box),
      corners: corners(manifest.width, manifest.height).map(([x, y]) => apply(global, x, y)),
      pair: pair
        ? { model: pair.model, matrix: pair.matrix, ok: pair.ok, inliers: pair.inliers, inlierRatio: pair.inlierRatio, residualPx: pair.residualPx, flags: pair.flags }
        : null,
    };
  });
  await writeJson(deps.out, keys.report("transforms.json"), { run: manifest.run, box: plan.box, slices: rows });
  const header = ["z", "key", "source", "a", "b", "c", "d", "e", "f", "model", "inliers", "inlier_ratio", "residual_px", "flags"];
  const records = rows.map((r) => [
    r.z,
    r.key,
    r.source,
    ...r.global.map((v) => v.toFixed(6)),
    r.pair?.model ?? "",
    r.pair?.inliers ?? "",
    r.pair ? r.pair.inlierRatio.toFixed(4) : "",
    r.pair ? r.pair.residualPx.toFixed(4) : "",
    r.pair?.flags.join(" ") ?? "",
  ]);
  await deps.out.put(keys.report("transforms.csv"), new TextEncoder().encode(csvText(header, records)), { contentType: "text/csv" });
  const quality = rows.flatMap((r) =>
    r.pair ? [{ z: r.z, inliers: r.pair.inliers, residualPx: r.pair.residualPx, flagged: !r.pair.ok || r.pair.flags.length > 0 }] : [],
  );
  const svg = qualityPlotSvg(`${manifest.run}: alignment quality per pair (z-1, z)`, quality);
  await deps.out.put(keys.report("quality.svg"), new TextEncoder().encode(svg), { contentType: "image/svg+xml" });
}
