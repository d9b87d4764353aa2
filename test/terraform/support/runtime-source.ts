// What the runtime's source says it needs from the deployment, read from the TypeScript by pattern: the
// environment variables each deployable reads (following its relative imports from the entry file), the
// service each server starts as, the HTTP routes, the workflow's step sequence and its sys.get_env names.
// Which stage runs where is not read by pattern: the test imports the pipeline's table (core/pipeline/stages.ts).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../../support/python.js";

export const read = (file: string): string => readFileSync(path.join(repoRoot, file), "utf8");

/** The entry file and every .ts file it reaches through relative imports, repository-relative. */
export function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !existsSync(path.join(repoRoot, file))) return;
    seen.add(file);
    for (const m of read(file).matchAll(/from\s+"(\.{1,2}\/[^"]+)\.js"/g)) {
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), `${m[1]}.ts`)));
    }
  };
  visit(entry);
  return [...seen].sort();
}

/** Environment variable names read in these files (env.X, env["X"], need("X"), and services/fiji/config.ts's list("X"), int("X", ...)). */
export function envReads(files: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const file of files) {
    const text = read(file);
    for (const re of [/\benv\.([A-Z][A-Z0-9_]*)/g, /\benv\[\s*"([A-Z][A-Z0-9_]*)"\s*\]/g, /\bneed\(\s*"([A-Z][A-Z0-9_]*)"\s*\)/g, /\b(?:list|int)\(\s*"([A-Z][A-Z0-9_]*)"/g]) {
      for (const m of text.matchAll(re)) if (!names.has(m[1])) names.set(m[1], file);
    }
  }
  return names;
}

/** The service name each services/<name>/server.ts starts with (startService("<name>", ...)), or undefined. */
export function startedService(service: string): string | undefined {
  return /\bstartService\("([a-z]+)"/.exec(read(`services/${service}/server.ts`))?.[1];
}

/** The workflow's main sequence in order: each fan-out or barrier step, with the service URL variable it calls. */
export function workflowSequence(): Array<{ step: string; api: string }> {
  const yaml = read("workflows-yaml/ingest.yaml");
  const calls = /\n {12}- [a-z_]+:\n {16}call: (fan_out_and_wait|service_step)\n {16}args:(?: \{ api: "\$\{([a-z]+)_url\}"[^\n]*?\bstage: ([a-z]+),[^\n]*|\n {18}api: \$\{([a-z]+)_url\}\n {18}path: "\/steps\/([a-z]+)")/g;
  return [...yaml.matchAll(calls)].map((m) => (m[1] === "fan_out_and_wait" ? { step: m[3], api: m[2] } : { step: m[5], api: m[4] }));
}

/** Paths the services answer POSTs on (cloud-runtime/app.ts). */
export function postRoutes(): string[] {
  return [...read("cloud-runtime/app.ts").matchAll(/path === "(\/[a-z-]*)"/g)].map((m) => m[1]);
}

export function workflowEnvReads(): string[] {
  return [...new Set([...read("workflows-yaml/ingest.yaml").matchAll(/sys\.get_env\("([A-Z0-9_]+)"\)/g)].map((m) => m[1]))].sort();
}
