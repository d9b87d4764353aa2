// Containment of REAL ImageJ jobs (net.imagej:ij under xvfb-run, services/fiji over fake-gcs-server), tried as a
// hostile user would: a macro (through ImageJ's exec()) or a command starts four children that leave their
// parent behind (a setsid one, a double-forked one, a daemon that ignores SIGHUP/SIGTERM/SIGINT in its own
// session with cwd /, a nohup one), each trying for a minute to find another job's scratch folder (through
// /proc/*/cwd and the scratch root) and overwrite its output. After the response no process of the job's user
// is left, zombies included, on success, failure and timeout alike; a following job, and a job running at the
// same time as the same user, are untouched. Then the network: nothing outside the job answers it.
// The job user here is a uid of this test's own, with no passwd entry, so the /proc scan sees only its jobs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, connect, type AddressInfo } from "node:net";
import type { Storage } from "@google-cloud/storage";
import { storageClient } from "../../adapters/gcp/clients.js";
import { gcsBucketIO } from "../../adapters/gcp/gcs-bucket-io.js";
import { ProcessSandbox } from "../../adapters/process/fiji-sandbox.js";
import { downsampleImageFile } from "../../core/fiji/downsample.js";
import { silentLogger } from "../../cloud-runtime/log.js";
import { createFijiApp } from "../../services/fiji/app.js";
import { startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { isInverted, noisePng } from "./support/batch-emulators.js";
import { imagejPaths, installImageJ, listen, post, scratchRoot } from "./support/imagej.js";
import { processesOf, zombiesOf } from "./support/procs.js";

const BUCKET = "fiji-contain";
const id = 62000 + (process.pid % 1000);
const JAILED = { uid: id, gid: id };
let emu: Emulators;
let storage: Storage;
let jar: string;
let scratch: string;
let input: Buffer;
const servers: Server[] = [];

before(async () => {
  const [installed, emulators] = await Promise.all([installImageJ(), startEmulators(["gcs"])]);
  emu = emulators;
  jar = installed.jar;
  storage = storageClient(emu.config);
  await storage.createBucket(BUCKET);
  input = await noisePng(31, 23, 5);
  await storage.bucket(BUCKET).file("in/victim.png").save(input);
  scratch = scratchRoot();
});
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await emu?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function startApp(timeoutMs: number, maxJobs = 1): Promise<string> {
  const server = createServer(
    createFijiApp({
      io: gcsBucketIO(storage),
      sandbox: new ProcessSandbox({ root: scratch, runAs: JAILED, timeoutMs, javaHeapMb: 256, xvfb: true, readOnlyPaths: imagejPaths(jar) }),
      downsample: downsampleImageFile,
      policy: { buckets: [BUCKET], executables: { java: "/usr/bin/java", sh: "/bin/sh", bash: "/bin/bash" } },
      maxJobs,
      log: silentLogger,
    }),
  );
  servers.push(server);
  return listen(server);
}

/**
 * One child: for a minute, overwrites out.png in every other scratch folder it can find, through the working
 * directory of any process it can see (/proc/PID/cwd leads into another mount namespace too) or by name in
 * the scratch root, and steals in.png.
 */
const TAMPER = `me=$1
echo $$ >> "$me/children"
end=$(( $(date +%s) + 60 ))
while [ "$(date +%s)" -lt "$end" ]; do
  for d in /proc/[0-9]*/cwd "$(dirname "$me")"/fiji-*; do
    if [ "$(readlink "$d" 2>/dev/null || echo "$d")" != "$me" ] && [ -d "$d/" ]; then
      printf tampered > "$d/out.png" 2>/dev/null
      cp "$d/in.png" "$me/stolen.png" 2>/dev/null
    fi
  done
  sleep 0.05
done
`;

/** Starts the four children, waits until all run, then ends as $1 says: ok (0), fail (exit 3), hang, or "sleep N". */
const EVIL = `me=$PWD
t="$me/tamper.sh"
setsid sh "$t" "$me" </dev/null >/dev/null 2>&1 &
(sh "$t" "$me" </dev/null >/dev/null 2>&1 &)
setsid -f sh -c 'trap "" HUP TERM INT; cd /; exec sh "$0" "$1"' "$t" "$me" </dev/null >/dev/null 2>&1
nohup sh "$t" "$me" </dev/null >/dev/null 2>&1 &
while [ "$(cat "$me/children" 2>/dev/null | wc -l)" -lt 4 ]; do sleep 0.05; done
echo "spawned $(wc -l < "$me/children") children"
case "$1" in
  fail) exit 3 ;;
  hang) sleep 600 ;;
  sleep) sleep "$2" ;;
esac
`;

const ij = () => `java -Djava.awt.headless=false -jar ${jar} -batch macro.ijm`;
const INVERT = 'open("in.png");\nrun("Invert");\nsaveAs("PNG", getDirectory("current") + "out.png");\n';

function hostile(how: "macro" | "command", end: string, then = "") {
  const files = { "evil.sh": EVIL, "tamper.sh": TAMPER };
  const args = end.split(" ").map((a) => `"${a}"`).join(", ");
  return how === "macro"
    ? { command: ij(), "input-str": { ...files, "macro.ijm": `print(exec("sh", "evil.sh", ${args}));\n${then}` } }
    : { command: `sh evil.sh ${end}`, "input-str": files };
}

function victim(name: string) {
  return {
    command: ij(),
    "input-str": { "macro.ijm": INVERT },
    "input-map": { "in.png": `gs://${BUCKET}/in/victim.png` },
    "output-map": { "out.png": `gs://${BUCKET}/out/${name}.png` },
  };
}

/** A victim job's answer: ok, and its output (out/<name>.png) is its own input inverted, not "tampered". */
async function assertVictimUntouched(res: { status: number; body: Record<string, unknown> }, name: string) {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ok, true, String(res.body.stderr));
  const [out] = await storage.bucket(BUCKET).file(`out/${name}.png`).download();
  assert.notEqual(out.toString("latin1"), "tampered", `${name}: another job's child overwrote the output`);
  assert.ok(await isInverted(input, out), `${name}: its output is its own input inverted`);
  const [stored] = await storage.bucket(BUCKET).file("in/victim.png").download();
  assert.deepEqual(stored, input, "its input object is unchanged");
}

function assertNothingLeft(what: string) {
  assert.deepEqual(processesOf(JAILED.uid), [], `${what}: no process of the job's user (zombies included) after the response`);
  assert.deepEqual(zombiesOf(process.pid), [], `${what}: the server left no zombie child`);
  assert.deepEqual(readdirSync(scratch), [], `${what}: every scratch folder is removed`);
}

const CASES: Array<{ name: string; how: "macro" | "command"; end: string; then?: string; expect: (body: Record<string, unknown>) => void }> = [
  { name: "macro that succeeds", how: "macro", end: "ok", then: 'print("done");\n', expect: (b) => assert.equal(b.exitCode, 0) },
  { name: "macro that fails", how: "macro", end: "ok", then: 'open("absent.png");\n', expect: (b) => assert.match(String(b.stdout) + String(b.stderr), /File not found|absent\.png/) },
  { name: "macro that times out", how: "macro", end: "ok", then: "wait(120000);\n", expect: (b) => assert.equal(b.timedOut, true) },
  { name: "command that succeeds", how: "command", end: "ok", expect: (b) => assert.equal(b.exitCode, 0) },
  { name: "command that exits 3", how: "command", end: "fail", expect: (b) => assert.equal(b.exitCode, 3) },
  { name: "command that times out", how: "command", end: "hang", expect: (b) => assert.equal(b.timedOut, true) },
];

test("no process of a job outlives it (setsid, double-forked, daemonized, nohup children; Xvfb): success, failure, timeout; the next job is untouched", async () => {
  const url = await startApp(8_000);
  for (const c of CASES) {
    const res = await post(url, hostile(c.how, c.end, c.then));
    assert.equal(res.status, 200, `${c.name}: ${JSON.stringify(res.body)}`);
    // The children were running when the job's main process ended: it waited for all four.
    if (c.how === "command" || !c.then?.startsWith("wait")) assert.match(String(res.body.stdout), /spawned 4 children/, `${c.name}: ${String(res.body.stderr)}`);
    c.expect(res.body);
    assertNothingLeft(c.name);
    const next = `after-${c.name.replaceAll(" ", "-")}`;
    await assertVictimUntouched(await post(url, victim(next)), next);
    assertNothingLeft(`the job after the ${c.name}`);
  }
});

test("a job running at the same time, as the same user, is out of reach of another job's children", async () => {
  const url = await startApp(60_000, 2);
  const attack = post(url, hostile("command", "sleep 8"));
  // Until the attacker's four children run (and keep running for 8 s).
  for (let i = 0; processesOf(JAILED.uid).length < 5; i++) {
    assert.ok(i < 400, "the attacker's children did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  await assertVictimUntouched(await post(url, victim("concurrent")), "concurrent");
  const res = await attack;
  assert.match(String(res.body.stdout), /spawned 4 children/);
  assertNothingLeft("after both");
});

test("no network: a port open on 127.0.0.1 and the metadata server (169.254.169.254) cannot be reached, and the job's result says so", async (t) => {
  let connections = 0;
  const listener = createTcpServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  const port = (listener.address() as AddressInfo).port;
  // The control: the port answers whoever is outside the sandbox.
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => (socket.destroy(), resolve()));
    socket.on("error", reject);
  });
  for (let i = 0; connections === 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(connections, 1);

  const url = await startApp(60_000);
  const macro = [
    `print("local=" + File.openUrlAsString("http://127.0.0.1:${port}/"));`,
    'print("metadata=" + File.openUrlAsString("http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token"));',
  ].join("\n");
  const fromImageJ = await post(url, { command: ij(), "input-str": { "macro.ijm": macro } });
  assert.equal(fromImageJ.status, 200, JSON.stringify(fromImageJ.body));
  assert.match(String(fromImageJ.body.stdout), /local=<Error: java\.net\.ConnectException: Connection refused/);
  assert.match(String(fromImageJ.body.stdout), /metadata=<Error: java\.net\.(SocketException|NoRouteToHostException): Network is unreachable/);

  const script = [
    "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sed 's/^/link=/'",
    `for target in 127.0.0.1/${port} 169.254.169.254/80; do`,
    '  if (exec 3<>"/dev/tcp/$target") 2>err; then echo "connected $target"; else echo "failed $target: $(cat err)"; fi',
    "done",
  ].join("\n");
  const fromShell = await post(url, { command: "bash net.sh", "input-str": { "net.sh": script } });
  const stdout = String(fromShell.body.stdout);
  assert.deepEqual(stdout.split("\n").filter((l) => l.startsWith("link=")), ["link=lo"], "the job's network namespace has only its own loopback");
  assert.match(stdout, new RegExp(`failed 127\\.0\\.0\\.1/${port}: .*Connection refused`));
  assert.match(stdout, /failed 169\.254\.169\.254\/80: .*Network is unreachable/);
  assert.doesNotMatch(stdout, /connected/);
  assert.equal(connections, 1, "no connection from inside the sandbox reached the port");
  assertNothingLeft("network jobs");
});

test("when the server itself dies mid-job, the job's processes die with it", async (t) => {
  const helper = new URL("./support/die-mid-job.js", import.meta.url).href;
  // A root of its own: the dead server leaves its scratch folder behind (the next start does not delete it).
  const root = scratchRoot();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { code, signal, stdout } = await new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) => {
    const script = `const { dieMidJob } = await import(${JSON.stringify(helper)}); await dieMidJob(${JSON.stringify(root)}, ${JAILED.uid});`;
    const child = execFile(process.execPath, ["--input-type=module", "-e", script], (_error, out) => resolve({ code: child.exitCode, signal: child.signalCode, stdout: out }));
  });
  assert.deepEqual([code, signal, stdout], [null, "SIGKILL", "4 processes of the job run\n"]);
  // The kernel tears the namespace down once the outer bwrap is gone; that takes moments, not the 300 s asked for.
  for (let i = 0; processesOf(JAILED.uid).length > 0 && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(processesOf(JAILED.uid), [], "no process of the job survives its server");
});
