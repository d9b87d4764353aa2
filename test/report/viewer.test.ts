// Viewer end to end (issue 16 item 7): the volume a run wrote, served by `emingest serve`, opened in
// neuroglancer's own web client (the `neuroglancer` PyPI package's server on 127.0.0.1, tools/python/
// neuroglancer_serve.py) with report/neuroglancer.json as the state, in headless Debian chromium on
// SwiftShader (FINDINGS.md). The pixels on screen are found in the stored voxels of the plane the state is
// at (tensorstore's read of the jpeg volume) by template matching, at the place the state says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";
import { cliPath, runCli } from "../support/cli.js";
import { pythonTools, runPythonJson, venvPython } from "../support/python.js";
import { CHROMIUM } from "../support/chromium.js";

const CROP = 160;

/** Starts a child and resolves the first stdout line that matches; the child is stopped by its PID at the end. */
function firstLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const m = pattern.exec(line);
      if (m) resolve(m);
    });
    child.on("exit", (code) => reject(new Error(`${what} exited with ${code} before it was ready: ${stderr}`)));
  });
}

test("neuroglancer draws the volume from report/neuroglancer.json: the screen matches the stored voxels", { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emviewer-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  assert.equal((await runCli(["sample", slices, "--count", "8", "--size", "512", "--seed", "11"])).code, 0);
  const run = await runCli(["run", slices, "--out", out, "--workers", "2"]);
  assert.equal(run.code, 0, run.stderr);
  const stateFile = path.join(out, "report", "neuroglancer.json");
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as { position: number[] };

  const serve = spawn(process.execPath, [cliPath, "serve", out, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => serve.kill());
  const [, url] = await firstLine(serve, /^serving .* at (http:\/\/\S+)$/, "emingest serve");
  const ng = spawn(venvPython, [path.join(pythonTools, "neuroglancer_serve.py"), stateFile, url], { stdio: ["pipe", "pipe", "pipe"] });
  t.after(() => ng.kill());
  const [viewerUrl] = await firstLine(ng, /^http:\/\/127\.0\.0\.1:\d+\/v\/\S+$/, "neuroglancer_serve.py");

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--use-gl=angle", "--use-angle=swiftshader",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 640, height: 480 } });
  await page.goto(viewerUrl);
  await page.waitForFunction(() => {
    const viewer = (window as unknown as { viewer?: { isReady(): boolean } }).viewer;
    return viewer !== undefined && viewer.isReady();
  }, undefined, { timeout: 300_000, polling: 500 });
  const shot = path.join(dir, "screen.png");
  writeFileSync(shot, await page.screenshot());

  const z = Math.floor(state.position[2]);
  const match = await runPythonJson<{ score: number; at: number[]; template_std: number }>("screen_match.py", [shot, path.join(out, "ng", "jpeg"), String(z), String(CROP)]);
  t.diagnostic(`template match ${match.score.toFixed(4)} at ${match.at.join(",")} (template std ${match.template_std.toFixed(1)})`);
  assert.ok(match.template_std > 5, "the screen shows texture, not a flat panel");
  assert.ok(match.score >= 0.99, `template match ${match.score} < 0.99`);
  // The screen's centre is the state's position: the template's corner is CROP / 2 before it, within a pixel or two.
  for (const d of [0, 1]) assert.ok(Math.abs(match.at[d] - (state.position[d] - CROP / 2)) <= 2, `match at ${match.at} vs position ${state.position}`);
});
