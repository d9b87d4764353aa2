// An HTTP proxy in front of fake-gcs-server that counts the JSON API requests passing through by billing
// class (cloud.google.com/storage/pricing "Operation classes"): Class A = object inserts (uploads) and lists,
// Class B = object reads (media and metadata), deletes free. Every request is forwarded unchanged; a list is
// billed by the pages GCS would answer it in.
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface GcsCounts {
  classA: number;
  classB: number;
  deletes: number;
  other: number;
  /** Requests by "METHOD kind" (insert, list, read, delete), for a message when a count is off. */
  byKind: Record<string, number>;
}

export interface CountingProxy {
  url: string;
  counts: GcsCounts;
  reset(): void;
  close(): Promise<void>;
}

/** Names per page of a GCS list (JSON API objects.list maxResults). */
const LIST_PAGE = 1000;

const zero = (): GcsCounts => ({ classA: 0, classB: 0, deletes: 0, other: 0, byKind: {} });

export function classify(method: string, url: URL): "insert" | "list" | "read" | "delete" | "other" {
  const p = url.pathname;
  if (method === "POST" && p.startsWith("/upload/storage/v1/b/")) return "insert";
  if (method === "DELETE" && /^\/storage\/v1\/b\/[^/]+\/o\/.+/.test(p)) return "delete";
  if (method === "GET" && /^\/storage\/v1\/b\/[^/]+\/o\/?$/.test(p)) return "list";
  if (method === "GET" && (/^\/storage\/v1\/b\/[^/]+\/o\/.+/.test(p) || /^\/download\/storage\/v1\/b\/[^/]+\/o\/.+/.test(p))) return "read";
  return "other";
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  let counts = zero();
  const server = createServer((req, res) => {
    const kind = classify(req.method ?? "GET", new URL(req.url ?? "/", "http://proxy"));
    counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    if (kind === "insert") counts.classA++;
    else if (kind === "read") counts.classB++;
    else if (kind === "delete") counts.deletes++;
    else counts.other++;
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (kind !== "list") return void answer.pipe(res);
        // fake-gcs answers a list in one page; GCS pages at 1,000 names, each page one Class A request.
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => {
          chunks.push(c);
          res.write(c);
        });
        answer.on("end", () => {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { items?: unknown[]; prefixes?: unknown[] };
          const names = (body.items?.length ?? 0) + (body.prefixes?.length ?? 0);
          counts.classA += Math.max(1, Math.ceil(names / LIST_PAGE));
          res.end();
        });
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get counts() {
      return counts;
    },
    reset: () => void (counts = zero()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
