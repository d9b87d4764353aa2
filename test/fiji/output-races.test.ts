// Outputs are read without races, and nothing outside the job's scratch folder is ever uploaded.
//  1. A real job (services/fiji over fake-gcs-server, in the sandbox) tries every trick on its outputs: rename
//     its folder away and put a symlink to a root-only folder in its place, plant a symlink in the scratch
//     root, leave an output as a symlink to a root-only 0600 file, hard-link that file, leave a FIFO, a folder,
//     a file over the size limit. Only its own regular file is uploaded; each refusal is named.
//  2. The swaps the sandbox prevents, done here with root's power in a root of the unsafe kind (a 1777 folder):
//     the scratch folder renamed and a symlink put in its place, then the scratch root itself swapped for a
//     symlink. Reads go through the handle kept since the folder was made, so neither reaches the secret, and
//     removal deletes nothing the service did not make.
//  3. Which scratch roots the service accepts (prepareScratchRoot), each refusal one line naming the folder.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Storage } from "@google-cloud/storage";
import { storageClient } from "../../adapters/gcp/clients.js";
import { gcsBucketIO } from "../../adapters/gcp/gcs-bucket-io.js";
import { ProcessSandbox } from "../../adapters/process/fiji-sandbox.js";
import { prepareScratchRoot, ScratchRootError } from "../../adapters/process/fiji-scratch-root.js";
import { downsampleImageFile } from "../../core/fiji/downsample.js";
import { silentLogger } from "../../cloud-runtime/log.js";
import { createFijiApp } from "../../services/fiji/app.js";
import { REPO, startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { JOB_USER, listen, post, scratchRoot } from "./support/imagej.js";

const BUCKET = "fiji-races";
const SECRET = "TOP SECRET: root only";
let emu: Emulators;
let storage: Storage;
let scratch: string;
/**
 * A root-owned folder outside any scratch root and outside /tmp (so that the job sees it too, read-only),
 * holding out.png (0600, root's) with SECRET.
 */
let secretDir: string;
let secretFile: string;
const folders: string[] = [];
const servers: Server[] = [];

function folder(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

before(async () => {
  emu = await startEmulators(["gcs"]);
  storage = storageClient(emu.config);
  await storage.createBucket(BUCKET);
  scratch = scratchRoot();
  folders.push(scratch);
  mkdirSync(path.join(REPO, ".work"), { recursive: true });
  secretDir = mkdtempSync(path.join(REPO, ".work", "fiji-secret-"));
  folders.push(secretDir);
  chmodSync(secretDir, 0o711);
  secretFile = path.join(secretDir, "out.png");
  writeFileSync(secretFile, SECRET, { mode: 0o600 });
});
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await emu?.stop();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function assertSecretIntact() {
  assert.equal(readFileSync(secretFile, "utf8"), SECRET);
  assert.equal(statSync(secretFile).mode & 0o777, 0o600);
}

test("a job's tricks on its outputs: only its own regular file is uploaded, every other output is refused by name, nothing outside its folder leaves", async () => {
  const server = createServer(
    createFijiApp({
      io: gcsBucketIO(storage),
      sandbox: new ProcessSandbox({ root: scratch, runAs: JOB_USER, timeoutMs: 60_000, javaHeapMb: 0, maxOutputBytes: 1000 }),
      downsample: downsampleImageFile,
      policy: { buckets: [BUCKET], executables: { sh: "/bin/sh" } },
      maxJobs: 1,
      log: silentLogger,
    }),
  );
  servers.push(server);
  const url = await listen(server);
  const script = `me=$PWD
try() { what=$1; shift; if "$@" 2>err; then echo "$what: done"; else echo "$what: failed: $(cat err)"; fi; }
try "rename the folder" mv "$me" "$me.moved"
try "symlink in the root" ln -s "${secretDir}" "$(dirname "$me")/planted"
try "remove the folder" rmdir "$me"
try "read the secret" cat "${secretFile}"
ln -s "${secretFile}" out.png
try "hard-link the secret" ln "${secretFile}" hard.png
mkfifo fifo.png
mkdir dir.png
head -c 2000 /dev/zero > big.bin
printf mine > ok.txt
`;
  const outputs = ["out.png", "hard.png", "fifo.png", "dir.png", "big.bin", "ok.txt"];
  const res = await post(url, {
    command: "sh race.sh",
    "input-str": { "race.sh": script },
    "output-map": Object.fromEntries(outputs.map((name) => [name, `gs://${BUCKET}/race/${name}`])),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const stdout = String(res.body.stdout);
  process.stderr.write(`# the job's attempts:\n${stdout.replace(/^/gm, "#   ")}\n`);
  for (const step of ["rename the folder", "remove the folder", "symlink in the root", "read the secret", "hard-link the secret"]) {
    assert.match(stdout, new RegExp(`^${step}: failed: `, "m"), `${step}:\n${stdout}`);
  }
  assert.equal(res.body.ok, false);
  assert.equal(res.body.exitCode, 0);
  assert.deepEqual(res.body.outputs, { "ok.txt": { url: `gs://${BUCKET}/race/ok.txt`, bytes: 4 } });
  assert.deepEqual(res.body.missingOutputs, ["hard.png"]);
  assert.deepEqual(res.body.refusedOutputs, {
    "out.png": "is a symbolic link",
    "fifo.png": "is not a regular file",
    "dir.png": "is not a regular file",
    "big.bin": "is 2000 bytes, over the limit of 1000",
  });
  const [objects] = await storage.bucket(BUCKET).getFiles({ prefix: "race/" });
  assert.deepEqual(objects.map((o) => o.name), ["race/ok.txt"]);
  assert.equal((await objects[0].download())[0].toString(), "mine");
  assertSecretIntact();
  assert.deepEqual(readdirSync(scratch), [], "the scratch folder is removed and nothing was planted in the root");
});

/** A root of the kind the service refuses (sticky 1777, like the OS temp dir), where a job could rename. */
function unsafeRoot(): string {
  const root = folder("fiji-unsafe-root-");
  chmodSync(root, 0o1777);
  return root;
}

test("the rename-and-symlink swap the sandbox prevents: reads stay in the folder made for the job, removal deletes nothing else", async () => {
  const root = unsafeRoot();
  await assert.rejects(prepareScratchRoot(root, JOB_USER, 0), (e: unknown) => e instanceof ScratchRootError && e.message === `scratch root ${root}: mode 1777 lets others write in it; use mode 0711`);
  const scratchDir = await new ProcessSandbox({ root, runAs: JOB_USER, timeoutMs: 10_000, javaHeapMb: 0 }).create();
  await scratchDir.write("in.png", new TextEncoder().encode("the job's input"));
  // What a job could do in such a root (it owns its folder, the root is sticky): rename, then symlink.
  const moved = `${scratchDir.path}.moved`;
  renameSync(scratchDir.path, moved);
  symlinkSync(secretDir, scratchDir.path);
  assert.equal(readFileSync(path.join(scratchDir.path, "out.png"), "utf8"), SECRET, "by its path, the folder now leads to the secret");
  assert.deepEqual(await scratchDir.read("out.png"), { kind: "missing" }, "through the handle: the folder made for the job, which has no out.png");
  assert.deepEqual(await scratchDir.read("in.png"), { kind: "file", bytes: new TextEncoder().encode("the job's input") });
  writeFileSync(path.join(moved, "out.png"), "the job's own output");
  chownSync(path.join(moved, "out.png"), JOB_USER.uid, JOB_USER.gid);
  assert.deepEqual(await scratchDir.read("out.png"), { kind: "file", bytes: new TextEncoder().encode("the job's own output") });
  // A hard link to a root file, which the sandbox's separate mounts refuse (EXDEV), looks like this: root's.
  writeFileSync(path.join(moved, "linked.png"), SECRET, { mode: 0o600 });
  assert.deepEqual(await scratchDir.read("linked.png"), { kind: "refused", reason: "belongs to uid 0, not to the job's user" });
  await assert.rejects(scratchDir.remove(), new RegExp(`scratch folder ${scratchDir.path} was replaced while the job ran; left in place`));
  assert.equal(readlinkSync(scratchDir.path), secretDir, "the symlink is left alone");
  assertSecretIntact();
});

test("a symlinked parent: the scratch root itself swapped for a symlink to a folder holding the same name leads nowhere either", async () => {
  const parent = folder("fiji-parent-");
  const root = path.join(parent, "root");
  mkdirSync(root, { mode: 0o711 });
  const scratchDir = await new ProcessSandbox({ root, runAs: JOB_USER, timeoutMs: 10_000, javaHeapMb: 0 }).create();
  // Someone who could write the root's parent: the root moves away, a symlink to a look-alike takes its place.
  const lookalike = folder("fiji-lookalike-");
  const twin = path.join(lookalike, path.basename(scratchDir.path));
  mkdirSync(twin);
  symlinkSync(secretFile, path.join(twin, "out.png"));
  writeFileSync(path.join(twin, "planted.txt"), SECRET);
  chownSync(path.join(twin, "planted.txt"), JOB_USER.uid, JOB_USER.gid);
  renameSync(root, `${root}.moved`);
  symlinkSync(lookalike, root);
  assert.equal(readFileSync(path.join(scratchDir.path, "planted.txt"), "utf8"), SECRET, "by its path, the folder is now the look-alike");
  assert.deepEqual(await scratchDir.read("out.png"), { kind: "missing" });
  assert.deepEqual(await scratchDir.read("planted.txt"), { kind: "missing" });
  await assert.rejects(scratchDir.remove(), /was replaced while the job ran; left in place/);
  assert.equal(readFileSync(path.join(twin, "planted.txt"), "utf8"), SECRET, "the look-alike is not deleted");
  await assert.rejects(prepareScratchRoot(root, JOB_USER, 0), (e: unknown) => e instanceof ScratchRootError && e.message === `scratch root ${root}: ${root} is a symbolic link (name the real folder)`);
  assertSecretIntact();
});

test("scratch roots: a folder the service owns (made 0711 when missing) is accepted; anything a job user could change is refused with one line naming it", async () => {
  const base = folder("fiji-roots-");
  chmodSync(base, 0o755);
  const made = path.join(base, "made", "scratch");
  await prepareScratchRoot(made, JOB_USER, 0);
  assert.equal(statSync(made).mode & 0o7777, 0o711, "created mode 0711");
  assert.equal(statSync(made).uid, 0);
  await prepareScratchRoot(made, JOB_USER, 0);
  const mk = (name: string, mode: number, owner?: { uid: number; gid: number }) => {
    const dir = path.join(base, name);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, mode);
    if (owner) chownSync(dir, owner.uid, owner.gid);
    return dir;
  };
  await prepareScratchRoot(mk("private", 0o700), JOB_USER, 0);
  const sticky = scratchRoot();
  folders.push(sticky);
  await prepareScratchRoot(sticky, JOB_USER, 0);
  const refused = async (root: string, why: string) =>
    assert.rejects(prepareScratchRoot(root, JOB_USER, 0), (e: unknown) => e instanceof ScratchRootError && e.message === `scratch root ${root}: ${why}` && !e.message.includes("\n"));
  await refused(tmpdir(), "mode 1777 lets others write in it; use mode 0711");
  await refused(mk("job-owned", 0o711, JOB_USER), "owned by uid 65534, not by the service (uid 0); use a folder the service owns with mode 0711");
  await refused(mk("group-writable", 0o771), "mode 0771 lets others write in it; use mode 0711");
  await refused(mk("writable", 0o733), "mode 0733 lets others write in it; use mode 0711");
  const jobParent = mk("job-parent", 0o755, JOB_USER);
  await refused(mk("job-parent/root", 0o711), `${jobParent} (mode 0755, owner 65534:65534) can be changed by the job user 65534:65534, who could then swap the scratch root`);
  const openParent = mk("open-parent", 0o777);
  await refused(mk("open-parent/root", 0o711), `${openParent} (mode 0777, owner 0:0) can be changed by the job user 65534:65534, who could then swap the scratch root`);
  symlinkSync(path.join(base, "private"), path.join(base, "link"));
  await refused(path.join(base, "link", "x"), `${path.join(base, "link")} is a symbolic link (name the real folder)`);
  writeFileSync(path.join(base, "file"), "");
  await refused(path.join(base, "file"), `${path.join(base, "file")} is not a folder`);
  await refused("relative/scratch", "must be an absolute, normalised folder path other than /");
  await refused("/", "must be an absolute, normalised folder path other than /");
});
