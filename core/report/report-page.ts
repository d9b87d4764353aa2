// report/index.html (issue 16 item 6): one static page that needs no server: the reslices before and after
// alignment, the per-pair quality plot, the substituted slices with their reasons, the run's settings and
// the viewer link. Everything it shows sits beside it in report/ (relative URLs), so it opens from a folder,
// a bucket or a copy. A pure function of the run (no clock, no durations), like every output: a resumed run
// writes the same bytes, and so does the same run in the cloud (no source location on the page: provenance
// names it); timings are in the run record (`emingest status`, the local state).
// The viewer link is made in the page from the embedded state: its layer sources are resolved against the
// page's own location (report/ -> the output root), as viewer-state.ts resolveViewerState does.
import type { RunManifest } from "../pipeline/manifest.js";
import type { RunPlan } from "../pipeline/run-plan.js";
import type { Reslices } from "./reslices.js";
import type { ViewerState } from "./viewer-state.js";

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function reportPage(manifest: RunManifest, plan: RunPlan, reslices: Reslices, state: ViewerState): string {
  const [rx, , rz] = reslices.resolution;
  const image = (plane: "xz" | "yz", when: "before" | "after"): string => {
    const r = reslices.images.find((i) => i.plane === plane && i.when === when);
    if (!r) throw new RangeError(`reportPage: no ${plane} reslice ${when} alignment`);
    // One row per z of the scale, drawn at the voxel's true aspect (z size / x size).
    const height = Math.max(1, Math.round((r.height * rz) / rx));
    return `<figure><img id="${plane}-${when}" src="${r.file}" width="${r.width}" height="${height}" alt="${plane} reslice ${when} alignment"><figcaption>${plane} ${when}</figcaption></figure>`;
  };
  const substituted = plan.substitutions.length === 0
    ? "<p>None: every slice shows its own image.</p>"
    : `<table><tr><th>z</th><th>shows slice</th><th>reason</th></tr>${plan.substitutions
        .map((s) => `<tr><td>${s.z}</td><td>${s.source}</td><td>${escape(s.reason)}</td></tr>`)
        .join("")}</table>`;
  const slices = manifest.slices;
  // JSON inside <script>: "<" escaped so no text of a setting can close the element.
  const embedded = JSON.stringify(state).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(manifest.run)}: emingest report</title>
<style>
body { font-family: sans-serif; margin: 1.5em; }
figure { display: inline-block; margin: 0 1em 1em 0; vertical-align: top; }
img { image-rendering: pixelated; border: 1px solid #888; background: #000; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }
pre { background: #f4f4f4; padding: 0.5em; overflow: auto; }
</style>
</head>
<body>
<h1>${escape(manifest.run)}</h1>
<p>${slices.length} slices (${slices[0].z} to ${slices[slices.length - 1].z}) of ${manifest.width} x ${manifest.height}, ${manifest.depth}-bit;
volume ${plan.pyramid.size.join(" x ")} voxels of ${plan.pyramid.resolution.join(" x ")} nm, ${plan.pyramid.scales.length} scales.</p>
<h2>Viewer</h2>
<p><a id="viewer-link" href="#">open in neuroglancer</a> <span id="viewer-note"></span></p>
<script type="application/json" id="viewer-state">${embedded}</script>
<script>
(() => {
  const state = JSON.parse(document.getElementById("viewer-state").textContent);
  const root = new URL("../", location.href);
  for (const layer of state.layers) {
    const m = /^([a-z0-9]+):\\/\\/(.*)$/.exec(layer.source);
    if (m && !/^[a-z][a-z0-9+.-]*:/i.test(m[2])) layer.source = m[1] + "://" + new URL(m[2], root).href.replace(/\\/$/, "");
  }
  document.getElementById("viewer-link").href = "https://neuroglancer-demo.appspot.com/#!" + encodeURIComponent(JSON.stringify(state));
  if (root.protocol === "file:") document.getElementById("viewer-note").textContent = "(neuroglancer reads over HTTP: run emingest serve on the output folder, or open this page from the bucket)";
})();
</script>
<h2>Reslices through the middle (scale ${reslices.scale}, ${reslices.resolution.join(" x ")} nm)</h2>
<p>Before: each slice as it was acquired, at its place in the aligned box; after: the written volume.</p>
<div>${image("xz", "before")}${image("xz", "after")}</div>
<div>${image("yz", "before")}${image("yz", "after")}</div>
<h2>Alignment quality per pair (z-1, z)</h2>
<img id="quality" src="quality.svg" alt="inliers and residual per pair">
<h2>Substituted slices</h2>
${substituted}
<h2>Settings</h2>
<pre>${escape(JSON.stringify(manifest.config, null, 2))}</pre>
<p>The slices: <a href="manifest.json">manifest.json</a> (their source is named in each volume's <code>provenance</code>); per-slice transforms in <a href="transforms.csv">transforms.csv</a>; summary in <a href="summary.json">summary.json</a>.
Timings are in the run record (<code>emingest status</code>, or the local run state), not here: every file of a run is the same bytes however often it was resumed.</p>
</body>
</html>
`;
}
