// report/neuroglancer.json (issue 16 item 5): the state a run writes, through the in-memory pipeline, and the
// link `emingest serve` prints from it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { serveCommand } from "../../cli/serve.js";
import { parseIngestConfig } from "../../core/config.js";
import { keys } from "../../core/pipeline/keys.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import { resolveViewerState, viewerState, type ViewerState } from "../../core/report/viewer-state.js";
import { FIXED_NOW, InProcessRunner, memoryDeps, sampleSource } from "../pipeline/support/memory-pipeline.js";

test("viewerState: one layer per written volume, first shown, nm as metres, position at the centre voxel", () => {
  const state = viewerState(["ng/jpeg/", "ng/raw/"], { size: [300, 201, 70], resolution: [4, 4, 30] }, [-18, -14, 10]);
  assert.deepEqual(state.dimensions, { x: [4e-9, "m"], y: [4e-9, "m"], z: [30e-9, "m"] });
  assert.deepEqual(state.position, [-18 + 150.5, -14 + 100.5, 10 + 35.5]);
  assert.deepEqual(state.layers, [
    { type: "image", name: "em", source: "precomputed://ng/jpeg/" },
    { type: "image", name: "em-raw", source: "precomputed://ng/raw/", visible: false },
  ]);
  assert.deepEqual(state.displayDimensions, ["x", "y", "z"]);
  assert.deepEqual(viewerState(["ng/jpeg/"], { size: [64, 64, 1], resolution: [8, 8, 8] }, [0, 0, 0]).layers.length, 1);
  assert.throws(() => viewerState(["ng/other/"], { size: [64, 64, 1], resolution: [8, 8, 8] }, [0, 0, 0]), /no viewer layer for the volume folder "ng\/other\/"/);
});

test("viewerState: the OME-Zarr group is a zarr3 layer, and the panels show x y z (the array is z y x)", () => {
  const state = viewerState(["ng/jpeg/", "ng/zarr/"], { size: [300, 201, 70], resolution: [4, 4, 30] }, [0, 0, 10]);
  assert.deepEqual(state.layers[1], { type: "image", name: "em-zarr", source: "zarr3://ng/zarr/", visible: false });
  assert.deepEqual(state.displayDimensions, ["x", "y", "z"]);
  const resolved = resolveViewerState(state, "http://127.0.0.1:8080/");
  assert.equal(resolved.layers[1].source, "zarr3://http://127.0.0.1:8080/ng/zarr");
  assert.equal(resolveViewerState(state, "gs://bucket/run").layers[1].source, "zarr3://gs://bucket/run/ng/zarr");
});

test("resolveViewerState: relative sources against the served root; absolute ones kept", () => {
  const state = viewerState(["ng/jpeg/", "ng/raw/"], { size: [64, 64, 8], resolution: [8, 8, 8] }, [0, 0, 0]);
  state.layers[1].source = "precomputed://gs://bucket/run/ng/raw";
  const resolved = resolveViewerState(state, "http://127.0.0.1:8080");
  assert.deepEqual(resolved.layers.map((l) => l.source), ["precomputed://http://127.0.0.1:8080/ng/jpeg", "precomputed://gs://bucket/run/ng/raw"]);
  assert.equal(resolveViewerState(state, "https://storage.googleapis.com/b/run/").layers[0].source, "precomputed://https://storage.googleapis.com/b/run/ng/jpeg");
});

function linkState(line: string): ViewerState {
  const fragment = line.replace(/^open in neuroglancer: https:\/\/neuroglancer-demo\.appspot\.com\/#!/, "");
  return JSON.parse(decodeURIComponent(fragment)) as ViewerState;
}

test("serve prints the link of report/neuroglancer.json with the served URL; a broken one is named", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emview-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "ng", "jpeg"), { recursive: true });
  mkdirSync(path.join(dir, "report"));
  writeFileSync(path.join(dir, "ng", "jpeg", "info"), "{}");
  const saved = viewerState(["ng/jpeg/"], { size: [256, 256, 7], resolution: [8, 8, 8] }, [0, 0, 3]);
  writeFileSync(path.join(dir, "report", "neuroglancer.json"), JSON.stringify(saved));
  writeFileSync(path.join(dir, "report", "summary.json"), "{}");
  const lines: string[] = [];
  const warnings: string[] = [];
  const server = await serveCommand({ dir, host: "127.0.0.1", port: 0 }, (l) => lines.push(l), (l) => warnings.push(l));
  t.after(() => server.close());
  const url = lines[0].replace(/^serving .* at /, "");
  const state = linkState(lines[1]);
  assert.deepEqual(state.position, saved.position);
  assert.deepEqual(state.layers[0].source, `precomputed://${url}/ng/jpeg`);
  assert.equal(warnings.length, 0, warnings.join("\n"));

  writeFileSync(path.join(dir, "report", "neuroglancer.json"), "{ not json");
  const lines2: string[] = [];
  const server2 = await serveCommand({ dir, host: "127.0.0.1", port: 0 }, (l) => lines2.push(l), (l) => warnings.push(l));
  t.after(() => server2.close());
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /report\/neuroglancer\.json: is not JSON .*; the link below shows the volumes only$/);
  assert.match(linkState(lines2[1]).layers[0].source, /^precomputed:\/\/http:\/\/127\.0\.0\.1:\d+\/ng\/jpeg$/);

  // Without report/neuroglancer.json the link lists every volume present, the zarr group by its zarr.json.
  rmSync(path.join(dir, "report", "neuroglancer.json"));
  mkdirSync(path.join(dir, "ng", "zarr"));
  writeFileSync(path.join(dir, "ng", "zarr", "zarr.json"), "{}");
  const lines3: string[] = [];
  const server3 = await serveCommand({ dir, host: "127.0.0.1", port: 0 }, (l) => lines3.push(l), (l) => warnings.push(l));
  t.after(() => server3.close());
  const url3 = lines3[0].replace(/^serving .* at /, "");
  assert.deepEqual(
    linkState(lines3[1]).layers.map((l) => l.source),
    [`precomputed://${url3}/ng/jpeg`, `zarr3://${url3}/ng/zarr`],
  );
  assert.equal(warnings.length, 1);
});

test("a run on memory stores writes report/neuroglancer.json for its volumes at their placement", async () => {
  const deps = memoryDeps(await sampleSource(4, 256));
  const result = await runIngest(deps, { config: parseIngestConfig({ cube: 64, raw: true }), runner: new InProcessRunner(deps), progress: silentProgress, now: FIXED_NOW });
  const files = deps.out.snapshot();
  const json = (key: string): unknown => JSON.parse(new TextDecoder().decode(files.get(key)));
  const state = json(keys.report("neuroglancer.json")) as ViewerState;
  const info = json("ng/jpeg/info") as { scales: Array<{ size: number[]; voxel_offset: number[]; resolution: number[] }> };
  const [s0] = info.scales;
  assert.deepEqual(state.layers.map((l) => l.source), ["precomputed://ng/jpeg/", "precomputed://ng/raw/"]);
  assert.deepEqual(state.position, [0, 1, 2].map((d) => s0.voxel_offset[d] + Math.floor(s0.size[d] / 2) + 0.5));
  assert.deepEqual(state.dimensions.x, [s0.resolution[0] / 1e9, "m"]);
  assert.equal(result.summary.slices, 4);
});

test("a run with --zarr on memory stores lists the zarr group in report/neuroglancer.json; provenance only beside info", async () => {
  const deps = memoryDeps(await sampleSource(4, 256));
  await runIngest(deps, { config: parseIngestConfig({ cube: 64, zarr: true }), runner: new InProcessRunner(deps), progress: silentProgress, now: FIXED_NOW });
  const files = deps.out.snapshot();
  const state = JSON.parse(new TextDecoder().decode(files.get(keys.report("neuroglancer.json")))) as ViewerState;
  assert.deepEqual(state.layers.map((l) => [l.name, l.source, l.visible]), [["em", "precomputed://ng/jpeg/", undefined], ["em-zarr", "zarr3://ng/zarr/", false]]);
  assert.deepEqual(state.displayDimensions, ["x", "y", "z"]);
  assert.ok(files.has("ng/zarr/zarr.json") && files.has("ng/jpeg/provenance"));
  assert.equal(files.has("ng/zarr/provenance"), false);
});
