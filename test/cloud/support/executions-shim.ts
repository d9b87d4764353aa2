// The Workflows Executions API (create returns at once, get reports the state) in front of the PyPI
// workflows-emulator, whose POST .../executions runs the workflow synchronously and answers its result.
// gcw-emulator, which has this API itself, is not served by the Go module proxy reachable here.
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { listen, type Listening } from "./pipeline.js";
import { REPO } from "./emulators.js";

interface Execution {
  name: string;
  state: "ACTIVE" | "SUCCEEDED" | "FAILED";
  argument: string;
  result?: string;
  error?: { payload: string; context: string };
  startTime: string;
  endTime?: string;
}

export interface ExecutionsShim extends Listening {
  executions: Execution[];
  settled(): Promise<void>;
}

/** The workflow as deployed, minus what the emulator cannot do (OIDC auth on http calls). */
export function emulatorWorkflowYaml(): string {
  const yaml = readFileSync(path.join(REPO, "workflows-yaml", "ingest.yaml"), "utf8");
  const stripped = yaml.replace(/\n(\s*)auth:\n\s*type: OIDC\n\s*audience: \$\{api\}/g, "");
  if (stripped.includes("auth:")) throw new Error("could not strip the auth blocks of ingest.yaml");
  return stripped;
}

export async function startExecutionsShim(emulatorUrl: string, source: string): Promise<ExecutionsShim> {
  writeFileSync(source, emulatorWorkflowYaml());
  const executions: Execution[] = [];
  const running: Promise<void>[] = [];
  const shim = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://shim");
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      const create = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/workflows\/[^/]+)\/executions$/.exec(url.pathname);
      if (req.method === "POST" && create) {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { argument?: string };
        const execution: Execution = {
          name: `${create[1]}/executions/${executions.length + 1}`,
          state: "ACTIVE",
          argument: body.argument ?? "{}",
          startTime: new Date().toISOString(),
        };
        executions.push(execution);
        running.push(execute(emulatorUrl, create[1], execution));
        return reply(200, execution);
      }
      const found = executions.find((e) => `/v1/${e.name}` === url.pathname);
      if (req.method === "GET" && found) return reply(200, found);
      reply(404, { error: { code: 404, message: `no ${url.pathname}` } });
    });
  });
  return { ...shim, executions, settled: async () => void (await Promise.all(running)) };
}

async function execute(emulatorUrl: string, parent: string, execution: Execution): Promise<void> {
  try {
    // The emulator binds the argument's keys to the workflow's params by name; Cloud Workflows passes
    // the whole argument as the one param (`args`).
    const body = JSON.stringify({ argument: JSON.stringify({ args: JSON.parse(execution.argument) as unknown }) });
    const { status, text } = await postWithoutTimeout(`${emulatorUrl}/v1/${parent}/executions`, body);
    if (status >= 200 && status < 300) {
      execution.state = "SUCCEEDED";
      execution.result = text;
    } else {
      execution.state = "FAILED";
      execution.error = { payload: text, context: `emulator answered ${status}` };
    }
  } catch (error) {
    execution.state = "FAILED";
    execution.error = { payload: String(error), context: "emulator unreachable" };
  }
  execution.endTime = new Date().toISOString();
}

/**
 * One POST whose answer may take hours: the emulator answers an execution only when it ends. fetch (undici)
 * gives up after 300 s without headers, which would fail every execution longer than that; node:http has no
 * such timeout unless one is set.
 */
function postWithoutTimeout(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
