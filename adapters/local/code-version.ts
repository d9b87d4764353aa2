// The code version of this build, for the volumes' provenance (core/report/provenance.ts): dist/code-version.json
// as scripts/code-version.mjs wrote it at build time ("0.1.0 (9e81890)"), else package.json's version alone
// with "(no build record)", so a tree built by plain tsc still says which package it is.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** dist/ (this file is dist/adapters/local/code-version.js) and the repository or image root above it. */
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function codeVersion(): string {
  const record = readIfThere(path.join(dist, "code-version.json"));
  if (record) {
    const { version, git } = JSON.parse(record) as { version: string; git: string | null };
    return git ? `${version} (${git})` : version;
  }
  const pkg = readIfThere(path.join(dist, "..", "package.json"));
  if (!pkg) return "unknown";
  return `${(JSON.parse(pkg) as { version: string }).version} (no build record)`;
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
