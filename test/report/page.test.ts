// report/index.html (issue 16 item 6) in a real browser: Debian's chromium (/usr/bin/chromium, installed by
// scripts/setup.sh; never a downloaded browser) driven by playwright-core opens the page from the output
// folder as a file (no server), and every image on it is decoded (naturalWidth > 0) and drawn (its
// screenshot is not one flat colour). The "after" reslices equal the volume's middle planes as tensorstore
// reads them, and alignment changed the picture (before differs from after).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import sharp from "sharp";
import { runCli } from "../support/cli.js";
import { runPythonJson } from "../support/python.js";

import { CHROMIUM } from "../support/chromium.js";

test("report/index.html opens from the folder in chromium with every image drawn", { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "empage-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  assert.equal((await runCli(["sample", slices, "--count", "12", "--size", "512", "--seed", "5"])).code, 0);
  const run = await runCli(["run", slices, "--out", out, "--raw", "--workers", "2", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const report = path.join(out, "report");

  const oracle = await runPythonJson<Record<"xz" | "yz", { equal: boolean; shape: number[]; png_shape: number[] }>>("reslice_check.py", [path.join(out, "ng", "raw"), report, "0"]);
  assert.ok(oracle.xz.equal && oracle.yz.equal, JSON.stringify(oracle));
  for (const plane of ["xz", "yz"]) {
    const before = await sharp(readFileSync(path.join(report, `reslice-${plane}-before.png`))).raw().toBuffer();
    const after = await sharp(readFileSync(path.join(report, `reslice-${plane}-after.png`))).raw().toBuffer();
    assert.equal(before.length, after.length);
    assert.ok(!before.equals(after), `${plane}: the sample stack drifts, so alignment must change the reslice`);
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  await page.goto(pathToFileURL(path.join(report, "index.html")).href, { waitUntil: "load" });
  const images = await page.$$eval("img", (all) => all.map((i) => ({ id: i.id, complete: i.complete, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight })));
  assert.deepEqual(images.map((i) => i.id).sort(), ["quality", "xz-after", "xz-before", "yz-after", "yz-before"]);
  for (const image of images) assert.ok(image.complete && image.naturalWidth > 0 && image.naturalHeight > 0, JSON.stringify(image));
  for (const image of images) {
    const shot = await page.locator(`#${image.id}`).screenshot();
    const stats = await sharp(shot).greyscale().stats();
    t.diagnostic(`${image.id}: ${image.naturalWidth}x${image.naturalHeight}, screenshot stdev ${stats.channels[0].stdev.toFixed(1)}`);
    assert.ok(stats.channels[0].stdev > 5, `${image.id}: the screenshot is flat (stdev ${stats.channels[0].stdev}): not drawn`);
  }
  const href = await page.getAttribute("#viewer-link", "href");
  const state = JSON.parse(decodeURIComponent((href ?? "").replace(/^https:\/\/neuroglancer-demo\.appspot\.com\/#!/, ""))) as { layers: Array<{ source: string }> };
  assert.deepEqual(state.layers.map((l) => l.source), [`precomputed://${pathToFileURL(out).href}/ng/jpeg`, `precomputed://${pathToFileURL(out).href}/ng/raw`]);
  assert.match((await page.textContent("#viewer-note")) ?? "", /emingest serve/);
  const summary = JSON.parse(run.stdout).summary as { substitutions: unknown[] };
  assert.equal(summary.substitutions.length, 0);
  assert.match((await page.textContent("body")) ?? "", /None: every slice shows its own image/);
});
