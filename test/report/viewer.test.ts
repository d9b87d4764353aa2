// Viewer end to end (issue 16 item 7): the volume a run wrote (`--zarr`: the precomputed jpeg pyramid and the
// OME-Zarr group), served by `emingest serve`, opened in neuroglancer's own web client (the `neuroglancer`
// PyPI package's server on 127.0.0.1, tools/python/neuroglancer_serve.py) with report/neuroglancer.json as the
// state, one layer at a time, in headless Debian chromium on SwiftShader (FINDINGS.md). The pixels on screen
// are found in the stored voxels of the plane the state is at (tensorstore's read of that layer's volume:
// the neuroglancer_precomputed driver for ng/jpeg, zarr3 for ng/zarr) by template matching, at the place the
// state says. `serve` answers the zarr objects neuroglancer asks for (zarr.json, shard index and chunks by
// byte ranges) with the stored bytes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { chromium, type Browser } from "playwright-core";
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

let dir: string;
let out: string;
let stateFile: string;
let state: { position: number[]; layers: Array<{ name: string; source: string }> };
let url: string;
let browser: Browser;
/** Every child this file starts, stopped by its own handle at the end. */
const children: ChildProcess[] = [];
/** Every request path `serve` was asked for by the browser, with its status (from neuroglancer's fetches). */
const fetched: Array<{ url: string; method: string; status: number; range: string | undefined }> = [];

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "emviewer-"));
  const slices = path.join(dir, "slices");
  out = path.join(dir, "out");
  assert.equal((await runCli(["sample", slices, "--count", "8", "--size", "512", "--seed", "11"])).code, 0);
  const run = await runCli(["run", slices, "--out", out, "--workers", "2", "--zarr"]);
  assert.equal(run.code, 0, run.stderr);
  stateFile = path.join(out, "report", "neuroglancer.json");
  state = JSON.parse(readFileSync(stateFile, "utf8")) as typeof state;
  const serve = spawn(process.execPath, [cliPath, "serve", out, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(serve);
  [, url] = await firstLine(serve, /^serving .* at (http:\/\/\S+)$/, "emingest serve");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--use-gl=angle", "--use-angle=swiftshader",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  for (const child of children) child.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** The screenshot of neuroglancer showing only the layer `name` of the saved state, and the template match of it in `volume`. */
async function drawAndMatch(name: string, volume: string): Promise<{ score: number; at: number[]; template_std: number }> {
  const ng = spawn(venvPython, [path.join(pythonTools, "neuroglancer_serve.py"), stateFile, url, name], { stdio: ["pipe", "pipe", "pipe"] });
  children.push(ng);
  const [viewerUrl] = await firstLine(ng, /^http:\/\/127\.0\.0\.1:\d+\/v\/\S+$/, "neuroglancer_serve.py");
  const page = await browser.newPage({ viewport: { width: 640, height: 480 } });
  page.on("response", (r) => {
    if (r.url().startsWith(url)) fetched.push({ url: r.url(), method: r.request().method(), status: r.status(), range: r.request().headers()["range"] });
  });
  await page.goto(viewerUrl);
  await page.waitForFunction(() => {
    const viewer = (window as unknown as { viewer?: { isReady(): boolean } }).viewer;
    return viewer !== undefined && viewer.isReady();
  }, undefined, { timeout: 300_000, polling: 500 });
  const shot = path.join(dir, `screen-${name}.png`);
  writeFileSync(shot, await page.screenshot());
  await page.close();
  ng.kill();
  const z = Math.floor(state.position[2]);
  return await runPythonJson("screen_match.py", [shot, volume, String(z), String(CROP)]);
}

function assertDrawn(t: { diagnostic(message: string): void }, match: { score: number; at: number[]; template_std: number }): void {
  t.diagnostic(`template match ${match.score.toFixed(4)} at ${match.at.join(",")} (template std ${match.template_std.toFixed(1)})`);
  assert.ok(match.template_std > 5, "the screen shows texture, not a flat panel");
  assert.ok(match.score >= 0.99, `template match ${match.score} < 0.99`);
  // The screen's centre is the state's position: the template's corner is CROP / 2 before it, within a pixel or two.
  for (const d of [0, 1]) assert.ok(Math.abs(match.at[d] - (state.position[d] - CROP / 2)) <= 2, `match at ${match.at} vs position ${state.position}`);
}

test("neuroglancer draws the precomputed layer of report/neuroglancer.json: the screen matches the stored voxels", { timeout: 600_000 }, async (t) => {
  assert.equal(state.layers[0].source, "precomputed://ng/jpeg/");
  assertDrawn(t, await drawAndMatch(state.layers[0].name, path.join(out, "ng", "jpeg")));
});

test("neuroglancer draws the OME-Zarr layer (zarr3://, x y z): the screen matches the zarr voxels tensorstore reads", { timeout: 600_000 }, async (t) => {
  const layer = state.layers.find((l) => l.source === "zarr3://ng/zarr/");
  assert.ok(layer, `no zarr3 layer in ${JSON.stringify(state.layers)}`);
  const before = fetched.length;
  assertDrawn(t, await drawAndMatch(layer.name, path.join(out, "ng", "zarr")));
  // neuroglancer read the group and its shards through `serve`: every answer a success, the shards by range.
  const zarr = fetched.slice(before).filter((f) => new URL(f.url).pathname.startsWith("/ng/zarr/"));
  const kinds = [...new Set(zarr.map((f) => `${f.method} ${f.status}${f.range ? " range" : ""}`))];
  t.diagnostic(`${zarr.length} zarr requests: ${kinds.join(", ")}`);
  assert.ok(zarr.some((f) => f.url.endsWith("/ng/zarr/zarr.json") && f.method === "GET" && f.status === 200), "the group's zarr.json was read");
  // A shard is read in parts: its size (HEAD), its index at the end, then the chunks on screen, by ranges.
  const shardGets = zarr.filter((f) => /\/c\/\d+\/\d+\/\d+$/.test(f.url) && f.method === "GET");
  assert.ok(shardGets.length > 0 && shardGets.every((f) => f.range !== undefined && f.status === 206), `shard reads: ${JSON.stringify(shardGets.slice(0, 5))}`);
  assert.ok(zarr.every((f) => f.status === 200 || f.status === 206), `zarr answers: ${JSON.stringify(zarr.filter((f) => f.status >= 300))}`);
});

test("serve answers zarr objects with the stored bytes: zarr.json, a whole shard, a suffix range (the shard index)", async () => {
  const group = path.join(out, "ng", "zarr");
  const json = await fetch(`${url}/ng/zarr/zarr.json`);
  assert.equal(json.status, 200);
  assert.equal(json.headers.get("content-type"), "application/json");
  assert.deepEqual(Buffer.from(await json.arrayBuffer()), readFileSync(path.join(group, "zarr.json")));
  const shardDir = path.join(group, "0", "c");
  const shard = firstFile(shardDir);
  const key = path.relative(group, shard).split(path.sep).join("/");
  const whole = await fetch(`${url}/ng/zarr/${key}`);
  assert.equal(whole.status, 200);
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), readFileSync(shard));
  // The sharding codec's index at the end: 16 bytes per inner chunk + the CRC-32C, asked for as a suffix.
  const size = statSync(shard).size;
  const index = await fetch(`${url}/ng/zarr/${key}`, { headers: { Range: "bytes=-20" } });
  assert.equal(index.status, 206);
  assert.equal(index.headers.get("content-range"), `bytes ${size - 20}-${size - 1}/${size}`);
  assert.deepEqual(Buffer.from(await index.arrayBuffer()), readFileSync(shard).subarray(size - 20));
});

/** The first regular file under `folder`, depth first in name order. */
function firstFile(folder: string): string {
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isFile()) return full;
    if (entry.isDirectory()) return firstFile(full);
  }
  throw new Error(`${folder} holds no file`);
}
