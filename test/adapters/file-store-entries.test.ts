// FileStore's source side: which folder entries are objects (the folderEntry rule), and that nothing but a
// regular file is ever opened (a FIFO would block the open, /dev/zero would never end).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileStore } from "../../adapters/local/file-store.js";

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "emfs-entries-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a symbolic link to a regular file is an object, read through the link; a link to a folder is not walked", async (t) => {
  const dir = folder(t);
  mkdirSync(path.join(dir, "s"));
  writeFileSync(path.join(dir, "real.png"), "pixels");
  symlinkSync(path.join(dir, "real.png"), path.join(dir, "s", "img1.png"));
  writeFileSync(path.join(dir, "s", "img0.png"), "zero");
  mkdirSync(path.join(dir, "elsewhere"));
  writeFileSync(path.join(dir, "elsewhere", "x.png"), "x");
  symlinkSync(path.join(dir, "elsewhere"), path.join(dir, "s", "raw"));
  mkdirSync(path.join(dir, "s", ".hidden"));
  const store = new FileStore(path.join(dir, "s"));
  assert.deepEqual(await store.list(""), ["img0.png", "img1.png"]);
  assert.equal(Buffer.from((await store.get("img1.png")) ?? []).toString(), "pixels");
  assert.equal(Buffer.from((await store.getRange("img1.png", 1, 3)) ?? []).toString(), "ixe");
  assert.deepEqual([...(await store.listVersions("")).keys()], ["img0.png", "img1.png"]);
});

test("FIFOs, devices, sockets, broken links and folders named like images are refused by name", async (t) => {
  const dir = folder(t);
  const cases: Array<[string, (file: string) => void, string]> = [
    ["img3.png", (f) => execFileSync("mkfifo", [f]), "is a FIFO (named pipe), not a regular file; slices must be regular files or symbolic links to them"],
    ["img4.png", (f) => symlinkSync("/dev/zero", f), "is a device, not a regular file; slices must be regular files or symbolic links to them"],
    ["img5.png", (f) => symlinkSync(path.join(dir, "nothing"), f), "is a symbolic link to nothing, not a regular file; slices must be regular files or symbolic links to them"],
    ["img6.png", (f) => mkdirSync(f), "is a folder, not an image file"],
    ["notes", (f) => execFileSync("mkfifo", [f]), "is a FIFO (named pipe), not a regular file; slices must be regular files or symbolic links to them"],
  ];
  for (const [name, make, reason] of cases) {
    const s = path.join(dir, name.replace(/\W/g, "_"));
    mkdirSync(s);
    writeFileSync(path.join(s, "img0.png"), "zero");
    make(path.join(s, name));
    const store = new FileStore(s);
    await assert.rejects(store.list(""), { name: "PermanentError", message: `${path.join(s, name)}: ${reason}` });
  }
  // Asked for by key (a FIFO that took a listed slice's place): refused, never blocking.
  const s = path.join(dir, "img3_png");
  await assert.rejects(new FileStore(s).get("img3.png"), { message: `${path.join(s, "img3.png")}: is not a regular file; emingest reads only regular files and symbolic links to them` });
  await assert.rejects(new FileStore(path.join(dir, "img4_png")).getRange("img4.png", 0, 10), /img4\.png: is not a regular file/);
});
