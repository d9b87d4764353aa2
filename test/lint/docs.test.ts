// The docs name what is there: the README's folder table lists every top-level folder of the repository,
// and every repository path that the README's reading order and docs/architecture.md name exists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../support/python.js";

const read = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");

function trackedTopFolders(): string[] {
  const ls = spawnSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" });
  assert.equal(ls.status, 0, ls.stderr);
  return [...new Set(ls.stdout.split("\n").filter((f) => f.includes("/")).map((f) => f.split("/")[0]))].sort();
}

/** Backticked repository paths: they start with a top-level folder and hold no placeholder or wildcard. */
function repoPaths(text: string, folders: readonly string[]): string[] {
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1].replace(/[.,:;)]+$/, ""))
    .filter((p) => folders.includes(p.split("/")[0]) && p.includes("/") && !/[<>*{}]/.test(p));
}

test("the README's folder table lists every top-level folder", () => {
  const readme = read("README.md");
  const table = readme.slice(readme.indexOf("| folder | what it holds |"), readme.indexOf("Reading order for a newcomer"));
  const listed = new Set([...table.matchAll(/^\| `([^`]+)`/gm)].flatMap((m) => m[1].split("`, `")).map((f) => f.split("/")[0]));
  const folders = trackedTopFolders();
  assert.ok(folders.length > 10, `tracked folders: ${folders}`);
  assert.deepEqual(folders.filter((f) => !listed.has(f)), [], "top-level folders missing from the README's table");
});

test("the reading order starts at docs/architecture.md, and every path it and the architecture document name exists", () => {
  const folders = trackedTopFolders();
  const readme = read("README.md");
  const order = /^Reading order for a newcomer: (.*)$/m.exec(readme)?.[1] ?? "";
  assert.match(order, /^this README, `docs\/architecture\.md`/);
  const named = [...repoPaths(order, folders), ...repoPaths(read("docs/architecture.md"), folders)];
  assert.ok(named.length > 40, `${named.length} paths named`);
  assert.deepEqual([...new Set(named.filter((p) => !existsSync(path.join(repoRoot, p))))], [], "named in the docs but not in the repository");
});
