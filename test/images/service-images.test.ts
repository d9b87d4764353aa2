// The align and emwrite images as images (services/Dockerfile, built by scripts/images.sh): they run as the
// unprivileged "node" user with node as PID 1, answer on $PORT, stop cleanly on Cloud Run's SIGTERM within
// its 10 s grace, hold production dependencies only, and the native OpenCV addon in them loads under the
// image's Node 22 and aligns a pair to the rendered ground truth. That it targets Node-API 8 is read from
// the binary with binutils (objdump, nm), not from our own code.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { apply, compose, corners, IDENTITY, invert, type Affine } from "../../core/geometry/affine.js";
import { stepAbout } from "../../core/sample/index.js";
import { REPO } from "../cloud/support/emulators.js";
import { cleanUp, freePort, startDocker, waitHealthy, type Docker, type ImageName } from "./support/docker.js";
import { SERVICE_NODE_FLAGS } from "../../cloud-runtime/node-flags.js";

const exec = promisify(execFile);
const SERVICES = ["align", "emwrite"] as const;
let docker: Docker;
let refs: Record<ImageName, string>;
let work: string;

before(async () => {
  docker = await startDocker();
  refs = await docker.build(SERVICES);
  work = mkdtempSync(path.join(tmpdir(), "emimages-"));
});
after(async () => {
  await cleanUp(docker?.stop, () => work && rmSync(work, { recursive: true, force: true }));
});

/** A configuration that starts the service without reaching anything (nothing is called before a task). */
const idleConfig = (port: number) => ({
  GOOGLE_CLOUD_PROJECT: "emingest-test",
  SOURCE_BUCKETS: "src",
  OUTPUT_BUCKET: "out",
  STORAGE_API_ENDPOINT: "http://127.0.0.1:9",
  FIRESTORE_EMULATOR_HOST: "127.0.0.1:9",
  PUBSUB_EMULATOR_HOST: "127.0.0.1:9",
  METADATA_SERVER_DETECTION: "none",
  PORT: String(port),
  HOST: "127.0.0.1",
});

/** Sends one keep-alive request and leaves the connection open and idle, as Cloud Run's front end does. */
async function idleKeepAlive(port: number): Promise<{ close(): void; status: string }> {
  const socket = connect(port, "127.0.0.1");
  const status = await new Promise<string>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("data", (d: Buffer) => resolve(d.toString("latin1").split("\r\n")[0]));
    socket.write("GET /healthz HTTP/1.1\r\nHost: service\r\nConnection: keep-alive\r\n\r\n");
  });
  socket.on("error", () => undefined);
  return { status, close: () => socket.destroy() };
}

for (const service of SERVICES) {
  test(`${service} image: runs as node (uid 1000) with node as PID 1, answers on $PORT, exits 0 on SIGTERM within Cloud Run's 10 s`, async () => {
    const image = JSON.parse(await docker.cli(["image", "inspect", refs[service]]))[0] as { Config: { User: string; Env: string[] } };
    assert.equal(image.Config.User, "node");
    const port = await freePort();
    const c = await docker.start(refs[service], { network: "host", env: idleConfig(port) });
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, c);
    assert.equal(await docker.cli(["exec", c.id, "id", "-u"]), "1000");
    assert.equal(await docker.cli(["exec", c.id, "id", "-un"]), "node");
    const pid1 = (await docker.cli(["exec", c.id, "cat", "/proc/1/cmdline"])).split("\0").filter(Boolean);
    assert.deepEqual(pid1, ["node", ...SERVICE_NODE_FLAGS, `dist/services/${service}/server.js`], "node is PID 1 (so Cloud Run's SIGTERM reaches it), with cloud-runtime/node-flags.ts's flags");
    const status = (await docker.cli(["exec", c.id, "cat", "/proc/1/status"])).split("\n").find((l) => l.startsWith("Uid:"));
    assert.match(status ?? "", /^Uid:\s+1000\s+1000\s+1000\s+1000$/);
    const keepAlive = await idleKeepAlive(port);
    assert.equal(keepAlive.status, "HTTP/1.1 200 OK");
    // docker stop sends SIGTERM and, after --time seconds, SIGKILL (exit 137): exit 0 means the server
    // closed itself, idle connection and all, inside Cloud Run's grace period.
    await docker.cli(["stop", "--time", "10", c.id]);
    keepAlive.close();
    const state = JSON.parse(await docker.cli(["inspect", "-f", "{{json .State}}", c.id])) as { ExitCode: number; OOMKilled: boolean };
    assert.equal(state.ExitCode, 0, `exit ${state.ExitCode}: ${c.lines.join("\n")}`);
  });

  test(`${service} image: started without configuration it stops, non-zero, naming what is missing`, async () => {
    // One line (cloud-runtime/start.ts), no stack trace, exit 1.
    const c = await docker.start(refs[service], { network: "none" });
    await c.exited;
    const code = Number(await docker.cli(["inspect", "-f", "{{.State.ExitCode}}", c.id]));
    assert.equal(code, 1);
    const lines = c.lines.filter((l) => l.trim() !== "");
    assert.deepEqual(lines, [`${service}: not started: GOOGLE_CLOUD_PROJECT, SOURCE_BUCKETS and OUTPUT_BUCKET are not set`]);
  });

  test(`${service} image: production dependencies only (every installed package is a non-dev entry of package-lock.json), no sources or tests`, async (t) => {
    const walk = `
      import { readdirSync, existsSync } from "node:fs";
      const found = [];
      const visit = (dir) => {
        if (!existsSync(dir)) return;
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          if (!e.isDirectory() || e.name.startsWith(".")) continue;
          if (e.name.startsWith("@")) { for (const s of readdirSync(dir + "/" + e.name)) pkg(dir + "/" + e.name + "/" + s); }
          else pkg(dir + "/" + e.name);
        }
      };
      const pkg = (p) => { if (existsSync(p + "/package.json")) { found.push(p.slice(5)); visit(p + "/node_modules"); } };
      visit("/app/node_modules");
      console.log(JSON.stringify({ packages: found, top: readdirSync("/app").sort(), dist: readdirSync("/app/dist").sort() }));`;
    const out = JSON.parse(await docker.cli(["run", "--rm", "--network", "none", "--entrypoint", "node", refs[service], "--input-type=module", "-e", walk])) as {
      packages: string[];
      top: string[];
      dist: string[];
    };
    const lock = JSON.parse(readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean; optional?: boolean }> };
    const entries = Object.entries(lock.packages).filter(([key]) => key !== "");
    const prod = new Set(entries.filter(([, v]) => !v.dev).map(([k]) => k));
    const installed = new Set(out.packages);
    assert.deepEqual([...installed].filter((p) => !prod.has(p)), [], "only production packages are installed");
    const missing = [...prod].filter((p) => !installed.has(p) && !lock.packages[p].optional);
    assert.deepEqual(missing, [], "every required production package is installed");
    // Our devDependencies that no production package needs (the lock says which: @types/node and
    // node-api-headers are also dependencies of protobufjs and cmake-js) are absent.
    const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    const devOnly = Object.keys(pkg.devDependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev);
    assert.ok(devOnly.includes("typescript") && devOnly.includes("eslint"), devOnly.join(", "));
    assert.deepEqual(devOnly.filter((name) => installed.has(`node_modules/${name}`)), []);
    assert.deepEqual(out.top, ["dist", "native", "node_modules", "package-lock.json", "package.json"]);
    assert.ok(!out.dist.includes("test") && !out.dist.includes("bench"), `dist holds ${out.dist.join(", ")}`);
    const size = Number(await docker.cli(["image", "inspect", "-f", "{{.Size}}", refs[service]]));
    t.diagnostic(`${refs[service]}: ${(size / 1e6).toFixed(0)} MB, ${installed.size} packages`);
  });
}

/** Largest distance between where m and truth put the corners of a w x h image. */
function worstCorner(m: Affine, truth: Affine, w: number, h: number): number {
  return Math.max(...corners(w, h).map(([x, y]) => Math.hypot(apply(m, x, y)[0] - apply(truth, x, y)[0], apply(m, x, y)[1] - apply(truth, x, y)[1])));
}

test("align image: the OpenCV addon loads under the image's Node 22 and aligns a rendered pair to its ground truth", async (t) => {
  const N = 768;
  // Slice 11 is slice 10's tissue seen through a 2 degree rotation and a shift: the pair transform is known.
  const global = stepAbout((N - 1) / 2, (N - 1) / 2, (2 * Math.PI) / 180, 1, 0, 17.4, -9.2);
  const script = `
    import { alignPair, extractFeatures, openCv } from "/app/dist/core/align/index.js";
    import { DEFAULT_TISSUE, renderTissue } from "/app/dist/core/sample/index.js";
    const N = ${N};
    const tissue = { ...DEFAULT_TISSUE, seed: 3, cellSize: (40 * N) / 1024 };
    const slice = (z, transform) => ({ width: N, height: N, data: renderTissue(tissue, { z, transform, width: N, height: N, noise: 6 }) });
    const a = await extractFeatures(slice(10, [1, 0, 0, 0, 1, 0]));
    const b = await extractFeatures(slice(11, ${JSON.stringify(global)}));
    const r = await alignPair(a, b);
    console.log(JSON.stringify({ node: process.versions.node, napi: process.versions.napi, uid: process.getuid(), opencv: openCv().opencvVersion, ok: r.ok, model: r.model, matrix: r.matrix, inliers: r.inliers }));`;
  const out = JSON.parse(await docker.cli(["run", "--rm", "--network", "none", "--entrypoint", "node", refs.align, "--input-type=module", "-e", script])) as {
    node: string;
    napi: string;
    uid: number;
    opencv: string;
    ok: boolean;
    model: string;
    matrix: Affine;
    inliers: number;
  };
  assert.equal(out.node.split(".")[0], "22", `the image's Node is ${out.node}`);
  assert.ok(Number(out.napi) >= 8, `Node ${out.node} offers Node-API ${out.napi}`);
  assert.equal(out.uid, 1000);
  assert.equal(out.opencv, "4.12.0");
  assert.equal(out.ok, true);
  const error = worstCorner(out.matrix, compose(invert(IDENTITY), global), N, N);
  assert.ok(error <= 0.1, `worst corner ${error} px off the ground truth`);
  t.diagnostic(`Node ${out.node} (Node-API ${out.napi}), OpenCV ${out.opencv}: ${out.model}, ${out.inliers} inliers, worst corner ${error.toFixed(4)} px`);
});

test("align image: its addon declares Node-API 8 and imports nothing newer (binutils on the binary copied out of the image)", async () => {
  const id = await docker.cli(["create", refs.align]);
  const addon = path.join(work, "emingest-cv.node");
  try {
    await docker.cli(["cp", `${id}:/app/native/build/emingest-cv.node`, addon]);
  } finally {
    await docker.cli(["rm", id]);
  }
  // NAPI_MODULE_INIT with NAPI_VERSION defined exports node_api_module_get_api_version_v1, which Node calls
  // to learn the version the addon was built for; its body is `mov $VERSION, %eax; ret`.
  const { stdout: syms } = await exec("nm", ["-D", "--defined-only", addon]);
  const line = syms.split("\n").find((l) => l.endsWith(" node_api_module_get_api_version_v1"));
  assert.ok(line, "the addon exports node_api_module_get_api_version_v1");
  const address = parseInt(line.split(" ")[0], 16);
  const { stdout: asm } = await exec("objdump", ["-d", `--start-address=0x${address.toString(16)}`, `--stop-address=0x${(address + 6).toString(16)}`, addon]);
  assert.match(asm, /mov\s+\$0x8,%eax/, asm);
  const { stdout: undefinedSyms } = await exec("nm", ["-D", "--undefined-only", addon]);
  const imported = undefinedSyms.split("\n").map((l) => l.trim().split(/\s+/).pop() ?? "").filter((s) => /^(napi|node_api)_/.test(s));
  const require = createRequire(import.meta.url);
  const { symbols } = require(path.join(REPO, "node_modules", "node-api-headers")) as { symbols: Record<string, { js_native_api_symbols: string[]; node_api_symbols: string[] }> };
  const v8 = new Set([...symbols.v8.js_native_api_symbols, ...symbols.v8.node_api_symbols]);
  assert.ok(imported.length > 5, `imports ${imported.join(", ")}`);
  assert.deepEqual(imported.filter((s) => !v8.has(s)), [], "every Node-API function the addon calls exists in Node-API 8");
});
