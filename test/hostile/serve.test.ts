// `emingest serve` left running against hostile requests (issue 11 item 6), as a subprocess of the real
// CLI: malformed targets get 400, nothing outside the folder or under .emingest/ is served (symlinks
// resolved), a FIFO does not block it, a sparse file over 2 GiB is streamed (a range near its end is exact;
// a range over 2 GiB starts streaming), and after each request the server still answers. It is stopped by
// its PID. The printed link names a real host and both volumes; a folder with no volume is warned about.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync, symlinkSync, writeFileSync, writeSync, ftruncateSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { linkHost } from "../../cli/serve.js";
import { cliPath } from "../support/cli.js";
import { runCli } from "../support/cli.js";
import { snapshot, tempDir } from "./support/input-cases.js";

const BIG = 3 * 1024 ** 3 + 123;
const TAIL = Buffer.from("the last bytes of a 3 GiB shard");

interface Served {
  child: ChildProcess;
  base: string;
  stdout: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `emingest serve DIR --port 0` and waits for its banner: the address line, then the link or a warning. */
async function serve(dir: string): Promise<Served> {
  const child = spawn(process.execPath, [cliPath, "serve", dir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const lines = () => out.split("\n").slice(0, -1);
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (lines().length >= 2 || (lines().length === 1 && err.endsWith("\n"))) resolve();
    };
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      check();
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      check();
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  const m = /^serving .* at (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines()[0]);
  assert.ok(m, `first line: ${lines()[0]}`);
  return { child, base: m[1], stdout: lines(), stderr: () => err, exited };
}

/** Sends one raw request line (fetch would normalise the hostile targets) and returns the status code. */
function rawStatus(base: string, target: string): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
    socket.on("end", () => {
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`no status line for ${target}: ${JSON.stringify(text.slice(0, 80))}`));
    });
    socket.on("error", reject);
  });
}

async function alive(s: Served): Promise<void> {
  const res = await fetch(`${s.base}/ng/jpeg/info`);
  assert.equal(res.status, 200, "the server still answers");
  await res.arrayBuffer();
  assert.equal(s.child.exitCode, null, "the server process is still running");
}

async function stop(s: Served): Promise<void> {
  assert.ok(s.child.pid !== undefined);
  process.kill(s.child.pid, "SIGTERM");
  await s.exited;
}

test("serve: hostile targets, symlinks out, .emingest/, a FIFO, and a 3 GiB sparse file", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, "emserve-");
  const slices = path.join(dir, "s");
  const out = path.join(dir, "out");
  assert.equal((await runCli(["sample", slices, "--count", "3", "--size", "64", "--seed", "2"])).code, 0);
  const run = await runCli(["run", slices, "--out", out, "--raw", "--skip-align", "--workers", "2"]);
  assert.equal(run.code, 0, run.stderr);
  // The hostile furniture: links out of the folder and into its run state, a FIFO, a sparse 3 GiB shard.
  symlinkSync("/etc/passwd", path.join(out, "ng", "jpeg", "escape"));
  symlinkSync(dir, path.join(out, "ng", "up"));
  symlinkSync(path.join(out, ".emingest"), path.join(out, "ng", "state"));
  symlinkSync(path.join(out, "ng", "jpeg", "info"), path.join(out, "ng", "info-link"));
  execFileSync("mkfifo", [path.join(out, "ng", "jpeg", "pipe")]);
  mkdirSync(path.join(out, "ng", "big"));
  const fd = openSync(path.join(out, "ng", "big", "0.shard"), "w");
  ftruncateSync(fd, BIG);
  writeSync(fd, TAIL, 0, TAIL.length, BIG - TAIL.length);
  closeSync(fd);
  const before = await snapshot(out);

  const s = await serve(out);
  t.after(() => {
    if (s.child.exitCode === null) s.child.kill("SIGKILL");
  });
  const link = decodeURIComponent(s.stdout[1].replace(/^open in neuroglancer: https:\/\/neuroglancer-demo\.appspot\.com\/#!/, ""));
  assert.deepEqual(JSON.parse(link).layers, [
    { type: "image", source: `precomputed://${s.base}/ng/jpeg`, name: "em" },
    { type: "image", source: `precomputed://${s.base}/ng/raw`, name: "em-raw", visible: false },
  ]);
  assert.equal(s.stderr(), "");

  // Malformed request targets: 400, and the server lives on.
  for (const target of ["/%zz", "/ng/%E0%A4%A", "/ng/jpeg/info%00", "/ng%5Cjpeg%5Cinfo", "http://elsewhere/ng/jpeg/info", "*"]) {
    assert.equal(await rawStatus(s.base, target), 400, target);
    await alive(s);
  }
  // Not the volume's regular files: 404, never the content.
  for (const target of [
    "/.emingest/state.sqlite",
    "/ng/state/state.sqlite",
    "/ng/jpeg/escape",
    "/ng/up/s/img00000.png",
    "/..%2F..%2Fetc%2Fpasswd",
    "/ng/../../etc/passwd",
    "/ng/jpeg/pipe",
    "/ng/jpeg",
    "/",
  ]) {
    assert.equal(await rawStatus(s.base, target), 404, target);
    await alive(s);
  }
  // A link that stays inside the folder is served.
  const inside = await fetch(`${s.base}/ng/info-link`);
  assert.equal(inside.status, 200);
  assert.equal((await inside.json() as { type: string }).type, "image");

  // The 3 GiB sparse file: its size, an exact range at its end, a range over 2 GiB that streams.
  const head = await fetch(`${s.base}/ng/big/0.shard`, { method: "HEAD" });
  assert.equal(head.headers.get("content-length"), String(BIG));
  const end = await fetch(`${s.base}/ng/big/0.shard`, { headers: { Range: `bytes=${BIG - TAIL.length}-${BIG - 1}` } });
  assert.equal(end.status, 206);
  assert.equal(end.headers.get("content-range"), `bytes ${BIG - TAIL.length}-${BIG - 1}/${BIG}`);
  assert.equal(end.headers.get("access-control-allow-origin"), "*");
  assert.deepEqual(Buffer.from(await end.arrayBuffer()), TAIL);
  const suffix = await fetch(`${s.base}/ng/big/0.shard`, { headers: { Range: "bytes=-10" } });
  assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), TAIL.subarray(TAIL.length - 10));
  for (const range of ["bytes=100-", undefined]) {
    const wide = await fetch(`${s.base}/ng/big/0.shard`, range ? { headers: { Range: range } } : {});
    assert.equal(wide.status, range ? 206 : 200);
    assert.equal(wide.headers.get("content-length"), String(range ? BIG - 100 : BIG));
    const reader = wide.body!.getReader();
    let got = 0;
    while (got < 4 * 1024 * 1024) {
      const { value, done } = await reader.read();
      assert.equal(done, false, "the body streams");
      got += value.length;
    }
    await reader.cancel();
    await alive(s);
  }
  const beyond = await fetch(`${s.base}/ng/big/0.shard`, { headers: { Range: "bytes=99999999999999999999-" } });
  assert.equal(beyond.status, 416);
  const preflight = await fetch(`${s.base}/ng/jpeg/info`, { method: "OPTIONS" });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-headers"), "Range");

  await alive(s);
  await stop(s);
  assert.deepEqual(await snapshot(out), before, "serving changed nothing in the folder");
});

test("serve: a folder with no volume is served with a warning and no link", async (t) => {
  const dir = tempDir(t, "emserve-empty-");
  const s = await serve(dir);
  t.after(() => {
    if (s.child.exitCode === null) s.child.kill("SIGKILL");
  });
  assert.deepEqual(s.stdout, [`serving ${dir} at ${s.base}`]);
  assert.equal(s.stderr(), `emingest: warning: ${dir} holds no volume (no ng/jpeg/info or ng/raw/info or ng/zarr/zarr.json); serve the --out folder of a finished run\n`);
  await stop(s);
});

test("serve: volumes of a run that has not finished (no report/summary.json) are served with a warning that they may be incomplete", async (t) => {
  const dir = tempDir(t, "emserve-unfinished-");
  mkdirSync(path.join(dir, "ng", "jpeg"), { recursive: true });
  writeFileSync(path.join(dir, "ng", "jpeg", "info"), "{}");
  const s = await serve(dir);
  t.after(() => {
    if (s.child.exitCode === null) s.child.kill("SIGKILL");
  });
  while (!s.stderr().endsWith("\n")) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(
    s.stderr(),
    `emingest: warning: ${dir} holds no finished run (no report/summary.json): its volume may be incomplete; rerun \`emingest run\` with the same settings to finish it, or see why it stopped\n`,
  );
  await stop(s);
});

test("serve: a missing folder is one line, exit 1", async (t) => {
  const dir = tempDir(t, "emserve-missing-");
  const r = await runCli(["serve", path.join(dir, "nope"), "--port", "0"]);
  assert.equal(r.stderr, `emingest: ${path.join(dir, "nope")}: no such folder\n`);
  assert.equal(r.code, 1);
});

test("serve: the link's host is never a wildcard address", () => {
  assert.equal(linkHost("0.0.0.0"), "127.0.0.1");
  assert.equal(linkHost("::"), "127.0.0.1");
  assert.equal(linkHost(""), "127.0.0.1");
  assert.equal(linkHost("127.0.0.1"), "127.0.0.1");
  assert.equal(linkHost("::1"), "[::1]");
  assert.equal(linkHost("em-host.local"), "em-host.local");
});
