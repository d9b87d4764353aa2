// The URL of one Cloud Run service with several instances, for the scale runs: an HTTP front on 127.0.0.1
// that hands each request to the next instance in turn (round robin) and passes the answer back unchanged.
// Being the only way in, it counts what the service is billed per request: pushes, each workflow step call
// by name, the largest step answer (what a workflow variable holds), answers that were not 200. And it keeps
// one record per task delivery (which instance, the messageId, what the instance answered), from which the
// scale check tells a task done once from one done twice, and how many instances ran tasks at the same time.
// With `redeliverEvery` k, every k-th delivery answered "done" is delivered again to the next instance before
// its answer goes back, as Pub/Sub does when an ack is lost: that delivery must change nothing.
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceName } from "../../../core/pipeline/stages.js";

export interface HttpCounts {
  pushes: number;
  /** Workflow step calls by step name (start, fanout, status, plan, finalize, fail). */
  steps: Record<string, number>;
  /** Bytes of the largest step answer (what a workflow variable holds). */
  largestStepAnswer: number;
  /** Answers that were not 200. */
  failures: number;
}

export interface DeliveryRecord {
  service: ServiceName;
  task: string;
  stage: string;
  messageId: string;
  instance: number;
  /** The `status` of the instance's answer: done, duplicate, failed, retry, refused. */
  outcome: string;
  /** Sent by the front itself (redeliverEvery), not by Pub/Sub. */
  injected: boolean;
}

export interface ScaleFront {
  url: string;
  counts: HttpCounts;
  deliveries: DeliveryRecord[];
  /** Most instances that had a task delivery in flight at one time. */
  maxBusy: number;
  /** Routes to these instances from now on, with fresh counts and records. */
  use(instances: readonly string[]): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export async function startScaleFront(service: ServiceName, redeliverEvery = 0): Promise<ScaleFront> {
  let instances: readonly string[] = [];
  let next = 0;
  let counts = zeroHttp();
  let deliveries: DeliveryRecord[] = [];
  let busy: number[] = [];
  let maxBusy = 0;
  let done = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const path = new URL(req.url ?? "/", "http://front").pathname;
        const step = /^\/steps\/([a-z]+)$/.exec(path)?.[1];
        const push = req.method === "POST" && (path === "/" || path === "/tasks");
        if (step) counts.steps[step] = (counts.steps[step] ?? 0) + 1;
        else if (path === "/") counts.pushes++;
        const instance = next++ % instances.length;
        const answer = push ? await deliver(instance, body, false) : await forward(instances[instance], req.method ?? "GET", req.url ?? "/", req.headers, body);
        if (push && answer.status === 200 && outcomeOf(answer) === "done" && redeliverEvery > 0 && ++done % redeliverEvery === 0) {
          await deliver((instance + 1) % instances.length, body, true);
        }
        if (answer.status !== 200) counts.failures++;
        if (step) counts.largestStepAnswer = Math.max(counts.largestStepAnswer, answer.body.length);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      })().catch((error: unknown) => {
        // The instance is gone (stopped, crashed): Cloud Run answers 503 and Pub/Sub retries.
        counts.failures++;
        res.writeHead(503, { "content-type": "text/plain" });
        res.end(`front: ${String(error)}`);
      });
    });
  });

  /** One task delivery to an instance, recorded with what it answered. */
  async function deliver(instance: number, body: Buffer, injected: boolean): Promise<Answer> {
    busy[instance]++;
    maxBusy = Math.max(maxBusy, busy.filter((n) => n > 0).length);
    try {
      const answer = await forward(instances[instance], "POST", "/", { "content-type": "application/json" }, body);
      const envelope = JSON.parse(body.toString("utf8")) as { message?: { messageId?: string; data?: string } };
      const task = JSON.parse(Buffer.from(envelope.message?.data ?? "", "base64").toString("utf8") || "{}") as { id?: string; stage?: string };
      deliveries.push({ service, task: task.id ?? "", stage: task.stage ?? "", messageId: envelope.message?.messageId ?? "", instance, outcome: outcomeOf(answer), injected });
      return answer;
    } finally {
      busy[instance]--;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get counts() {
      return counts;
    },
    get deliveries() {
      return deliveries;
    },
    get maxBusy() {
      return maxBusy;
    },
    use(urls) {
      instances = [...urls];
      busy = urls.map(() => 0);
      next = 0;
      done = 0;
      maxBusy = 0;
      counts = zeroHttp();
      deliveries = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const zeroHttp = (): HttpCounts => ({ pushes: 0, steps: {}, largestStepAnswer: 0, failures: 0 });

function outcomeOf(answer: Answer): string {
  try {
    return String((JSON.parse(answer.body.toString("utf8")) as { status?: unknown }).status ?? "");
  } catch (error) {
    if (error instanceof SyntaxError) return `HTTP ${answer.status}`;
    throw error;
  }
}

function forward(base: string, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer> {
  const target = new URL(base);
  // The body is forwarded whole, so it goes with its length, never chunked.
  const sent: IncomingHttpHeaders = { ...headers, host: target.host, "content-length": String(body.length) };
  delete sent["transfer-encoding"];
  return new Promise((resolve, reject) => {
    const out = request(
      { host: target.hostname, port: target.port, method, path, headers: sent },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
        answer.on("error", reject);
      },
    );
    out.on("error", reject);
    out.end(body);
  });
}
