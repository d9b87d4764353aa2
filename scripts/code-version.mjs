// Writes dist/code-version.json at build time: the package version and `git describe --always --dirty`
// of the source tree, or EMINGEST_GIT_DESCRIBE when the build has no .git (the service images: pass
// --build-arg EMINGEST_GIT_DESCRIBE=$(git describe --always --dirty)); null when neither is known.
// Read by adapters/local/code-version.ts for the volumes' provenance.
//   node scripts/code-version.mjs [DIST_DIR]
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.resolve(process.argv[2] ?? path.join(root, "dist"));
const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

function describe() {
  if (process.env.EMINGEST_GIT_DESCRIBE) return process.env.EMINGEST_GIT_DESCRIBE;
  try {
    return execFileSync("git", ["-C", root, "describe", "--always", "--dirty"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch (error) {
    // No git, or not a work tree (an image build): the version is then the package's alone.
    if (error && typeof error === "object" && ("status" in error || "code" in error)) return null;
    throw error;
  }
}

mkdirSync(dist, { recursive: true });
writeFileSync(path.join(dist, "code-version.json"), `${JSON.stringify({ version, git: describe() })}\n`);
