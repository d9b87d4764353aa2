// Ownership of the output (issue 11 items 1 and 5): through the real CLI, a run writes only into an empty
// folder or one that holds this same run, refuses every other folder before writing anything (one line,
// exit 1, every file the user had byte-identical), deletes only what it wrote (a user's tmp/ and *.partial
// files stay, even inside its own output), and a rerun over a finished run checks its recorded outputs and
// redoes what is missing or damaged.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../support/cli.js";
import { oneLine, snapshot } from "./support/output-tree.js";

let work: string;
let slices: string;
/** The clean run's objects (outside .emingest/) and its run id. */
let clean: Record<string, string>;
let run: string;
const args = (out: string, ...more: string[]) => ["run", slices, "--out", out, "--workers", "1", ...more];

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "emown-"));
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  slices = path.join(work, "slices");
  const sample = await runCli(["sample", slices, "--count", "2", "--size", "160x120", "--seed", "3"]);
  assert.equal(sample.code, 0, sample.stderr);
  rmSync(path.join(slices, "ground-truth.json"));
  writeFileSync(path.join(slices, "ingest.json"), JSON.stringify({ cube: 128 }));
  const out = path.join(work, "clean");
  const r = await runCli(args(out, "--json"));
  assert.equal(r.code, 0, r.stderr);
  run = JSON.parse(r.stdout).run;
  clean = await snapshot(out, [".emingest"]);
});

/** A folder of the user's, made by `files` (relative path -> content). */
function userFolder(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs into `out`, expects exit 1 with exactly `message`, and that `watched` is byte-identical afterwards. */
async function refused(out: string, message: string, watched: string = out, env: Record<string, string> = {}): Promise<void> {
  const before = existsSync(watched) ? await snapshot(watched) : undefined;
  const slicesBefore = await snapshot(slices);
  const r = await runCli(args(out), env);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(oneLine(r), message);
  assert.deepEqual(existsSync(watched) ? await snapshot(watched) : undefined, before, "the refused folder is unchanged");
  assert.deepEqual(await snapshot(slices), slicesBefore, "the slices are unchanged");
}

test("a folder with the user's files, a tmp/ folder and *.partial files is refused and left byte-identical", async () => {
  const out = userFolder("users", {
    "notes.txt": "weeks of notes",
    "tmp/render/0/0_0.raw": "looks like ours, is not",
    "tmp/top/0_0_0.raw": "x",
    "a.partial": "half a download",
    "deep/er/b.partial": "another",
  });
  await refused(out, `${out}: the output folder is not empty and holds no emingest run (it holds a.partial, deep/, notes.txt and 1 more); choose an empty or new folder`);
  assert.equal(existsSync(path.join(out, ".emingest")), false);
});

test("a folder holding only a tmp/ folder, or only *.partial files, is refused", async () => {
  const tmpOnly = userFolder("tmp-only", { "tmp/mine.bin": "mine" });
  await refused(tmpOnly, `${tmpOnly}: the output folder is not empty and holds no emingest run (it holds tmp/); choose an empty or new folder`);
  const partials = userFolder("partials", { "x.partial": "1", "y.partial": "2" });
  await refused(partials, `${partials}: the output folder is not empty and holds no emingest run (it holds x.partial, y.partial); choose an empty or new folder`);
});

test("a folder holding another run's volume is refused, its state included byte-identical; a volume without our claim too", async () => {
  const other = path.join(work, "other-run");
  const first = await runCli(args(other, "--jpeg-quality", "70", "--json"));
  assert.equal(first.code, 0, first.stderr);
  const otherRun = JSON.parse(first.stdout).run as string;
  assert.notEqual(otherRun, run);
  await refused(other, `${other}: the output folder holds emingest run ${otherRun}, made from other slices or settings than run ${run}; choose another folder`);

  // The same volume with its .emingest/ removed (copied elsewhere, or another tool's): not ours to write.
  const foreign = userFolder("foreign-volume", { "ng/jpeg/info": "{}", "report/manifest.json": JSON.stringify({ run }) });
  await refused(foreign, `${foreign}: the output folder is not empty and holds no emingest run (it holds ng/, report/); choose an empty or new folder`);
  const garbled = userFolder("garbled-claim", { ".emingest/run.json": "not json" });
  await refused(garbled, `${garbled}: .emingest/run.json is not an emingest run record; choose an empty or new folder`);
});

test("/, the home folder, a file, and folders at, inside or around the slices (links resolved) are refused", async () => {
  const r = await runCli(args("/"));
  assert.equal(r.code, 1);
  assert.equal(oneLine(r), "/: is the root folder; choose a new folder for the output");
  assert.equal(existsSync("/.emingest"), false);

  const home = userFolder("home", {});
  await refused(home, `${home}: is your home folder; choose a new folder for the output`, home, { HOME: home });

  const file = userFolder("a-file-parent", { "out.txt": "a file" });
  await refused(path.join(file, "out.txt"), `${path.join(file, "out.txt")}: is a file, not a folder; choose a folder for the output`, file);

  const inside = `${slices}: the output folder is inside the slices folder ${slices}; choose a folder outside it`;
  await refused(slices, inside, slices);
  await refused(path.join(slices, "out"), inside.replace(`${slices}:`, `${path.join(slices, "out")}:`), slices);
  await refused(work, `${work}: the output folder contains the slices folder ${slices}; choose a folder beside it`, slices);

  const links = userFolder("links", {});
  symlinkSync(slices, path.join(links, "to-slices"));
  symlinkSync(work, path.join(links, "to-work"));
  symlinkSync(path.join(work, "nowhere"), path.join(links, "dangling"));
  const viaLink = path.join(links, "to-slices");
  await refused(viaLink, inside.replace(`${slices}:`, `${viaLink}:`), slices);
  const underLink = path.join(links, "to-slices", "new", "out");
  await refused(underLink, inside.replace(`${slices}:`, `${underLink}:`), slices);
  const aroundLink = path.join(links, "to-work");
  await refused(aroundLink, `${aroundLink}: the output folder contains the slices folder ${slices}; choose a folder beside it`, slices);
  const dangling = path.join(links, "dangling");
  await refused(dangling, `${dangling}: is a symbolic link to a missing folder`, links);
});

test("an empty existing folder is used; the same command again over the finished run checks it and does nothing", async () => {
  const out = userFolder("empty", {});
  const r = await runCli(args(out));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await snapshot(out, [".emingest"]), clean);
  const again = await runCli(args(out, "--json"));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`run ${run} is already done and its \\d+ recorded outputs are in place; nothing to do`));
  assert.deepEqual(JSON.parse(again.stdout).executed, {});
});

test("files the user put into a killed run's output stay through the resume, tmp/ and *.partial ones included", async () => {
  const out = path.join(work, "resumed");
  // Killed in the render stage (kill-points.test.ts numbers the writes): tmp/ holds the run's features and plan.
  const killed = await runCli(args(out), { EMINGEST_FAULT_KILL_AFTER: "27" });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  assert.ok(existsSync(path.join(out, "tmp", "plan.json")), killed.stderr);
  const users: Record<string, string> = {
    "tmp/user.partial": "the user's",
    "tmp/render/notes.txt": "the user's",
    "ng/jpeg/mine.partial": "the user's",
    "keep.partial": "the user's",
    ".emingest/writes/notes.txt": "not a name we make",
  };
  for (const [rel, content] of Object.entries(users)) {
    mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
    writeFileSync(path.join(out, rel), content);
  }
  const mine = await snapshot(out);

  const r = await runCli(args(out));
  assert.equal(r.code, 0, r.stderr);
  const after = await snapshot(out);
  for (const rel of Object.keys(users)) assert.equal(after[rel], mine[rel], `${rel} is the user's and stays as it was`);
  const ours = Object.fromEntries(
    Object.entries(await snapshot(out, [".emingest"])).filter(([rel]) => !(rel in users) && rel !== "tmp" && rel !== "tmp/render"),
  );
  assert.deepEqual(ours, clean, "everything else equals the clean run");
});

test("a rerun over a finished run whose shard or report was deleted or truncated redoes exactly what is missing", async () => {
  const out = path.join(work, "damaged");
  assert.equal((await runCli(args(out))).code, 0);
  const shard = Object.keys(clean).find((k) => /^ng\/jpeg\/8_8_8\/.+\.shard$/.test(k))!;
  unlinkSync(path.join(out, shard));
  const r1 = await runCli(args(out, "--json"));
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stderr, new RegExp(`run ${run}: the finished output is damaged \\(${shard.replace(/\./g, "\\.")} is missing\\); redoing 2 render task\\(s\\), 1 pyramid task\\(s\\), the report`));
  const result = JSON.parse(r1.stdout);
  assert.deepEqual([result.executed.render, result.executed.pyramid, result.executed.features], [2, 1, 0]);
  assert.deepEqual(await snapshot(out, [".emingest"]), clean);

  const top = Object.keys(clean).find((k) => /^ng\/jpeg\/32_32_32\/.+\.shard$/.test(k))!;
  truncateSync(path.join(out, top), 3);
  unlinkSync(path.join(out, "report", "transforms.csv"));
  const r2 = await runCli(args(out, "--json"));
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /the finished output is damaged \(ng\/jpeg\/32_32_32\/.+\.shard is shorter than the \d+ bytes recorded, report\/transforms\.csv is missing\); redoing 2 render task\(s\), 2 pyramid task\(s\), the scales above the cube size, the report/);
  assert.deepEqual(await snapshot(out, [".emingest"]), clean);

  writeFileSync(path.join(out, "ng", "jpeg", "info"), "{}");
  const r3 = await runCli(args(out, "--json"));
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stderr, /\(ng\/jpeg\/info is shorter than the \d+ bytes recorded\); redoing the report/);
  assert.deepEqual(JSON.parse(r3.stdout).executed.render, 0);
  assert.deepEqual(await snapshot(out, [".emingest"]), clean);
});
