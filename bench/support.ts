// What the bench drivers share: where the repository and its oracle venv are (the compiled driver runs from
// dist/bench/<name>/), and `--name value` options read from the command line.
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The compiled bench's folder, the repository root and the venv's python, from the bench's import.meta.url. */
export function benchPaths(moduleUrl: string): { here: string; repoRoot: string; python: string } {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const repoRoot = path.resolve(here, "../../..");
  return { here, repoRoot, python: path.join(repoRoot, ".venv", "bin", "python") };
}

/** The value after `--name` in argv, or `fallback`. */
export function optionReader(argv: readonly string[]): (name: string, fallback: string) => string {
  return (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  };
}
