// `emingest serve`: a static HTTP server for a finished volume, with CORS and byte ranges, so neuroglancer
// (or tensorstore over http) opens it straight from this machine. Safe to leave running:
// - a request target that is not a plain, decodable path gets 400, and no request can stop the server;
// - only regular files inside the folder are served, symbolic links resolved first and checked to stay
//   inside it; nothing under a hidden folder (.emingest/ holds the run state) is ever served;
// - files and ranges are streamed from disk, so their size has no limit (no whole-file buffers).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { constants, existsSync, promises as fs, realpathSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream";
import { PermanentError } from "../core/errors.js";
import { savedStateLink, savedViewerState } from "./viewer-link.js";

export interface ServeOptions {
  dir: string;
  host: string;
  port: number;
}

/** The volumes a run writes, in the order the link shows them (DESIGN.md bucket layout). */
/** The volumes a run can write, each with the file that marks it present and its neuroglancer scheme. */
export const VOLUMES = [
  { path: "ng/jpeg", name: "em", marker: "info", scheme: "precomputed" },
  { path: "ng/raw", name: "em-raw", marker: "info", scheme: "precomputed" },
  { path: "ng/zarr", name: "em-zarr", marker: "zarr.json", scheme: "zarr3" },
] as const;

export type Volume = (typeof VOLUMES)[number];

export async function startServer(options: ServeOptions): Promise<{ server: Server; url: string }> {
  const stat = await fs.stat(options.dir).catch(() => undefined);
  if (!stat) throw new PermanentError(`${options.dir}: no such folder`);
  if (!stat.isDirectory()) throw new PermanentError(`${options.dir}: is not a folder`);
  const root = realpathSync(path.resolve(options.dir));
  const server = createServer((req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "Range");
    res.setHeader("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges");
    respond(root, req, res).catch((error: unknown) => {
      // A fault after the status line went out (a read error mid-file) can only end the connection.
      if (res.headersSent) res.destroy(error instanceof Error ? error : undefined);
      else res.writeHead(500).end();
    });
  });
  return await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      resolve({ server, url: `http://${linkHost(options.host)}:${port}` });
    });
  });
}

/** The host to put in a link: a wildcard address (0.0.0.0, ::) is no place a browser can go. */
export function linkHost(host: string): string {
  if (host === "" || host === "0.0.0.0" || host === "::" || host === "[::]") return "127.0.0.1";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

async function respond(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === "OPTIONS") {
    res.writeHead(204).end();
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405).end();
    return;
  }
  const segments = requestPath(req.url ?? "");
  if (!segments) {
    res.writeHead(400).end();
    return;
  }
  const file = await volumeFile(root, segments);
  if (!file) {
    res.writeHead(404).end();
    return;
  }
  await sendFile(file, req.headers.range, req.method === "HEAD", res);
}

/**
 * The path segments of an origin-form request target ("/a/b?q"), percent-decoded; undefined when it is
 * malformed (not starting with "/", bad percent-encoding, a NUL). Empty segments are dropped.
 */
export function requestPath(target: string): string[] | undefined {
  if (!target.startsWith("/")) return undefined;
  const raw = target.split(/[?#]/, 1)[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch (error) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  return decoded.split("/").filter((s) => s !== "");
}

interface OpenFile {
  handle: fs.FileHandle;
  size: number;
  name: string;
}

/**
 * Opens the regular file the segments name, or undefined: a hidden segment (".", "..", ".emingest"), a
 * path that resolves (through symbolic links) outside the folder or into a hidden folder, or anything but
 * a regular file. The resolved path is opened with O_NOFOLLOW and O_NONBLOCK (a FIFO never blocks).
 */
async function volumeFile(root: string, segments: readonly string[]): Promise<OpenFile | undefined> {
  if (segments.some((s) => s.startsWith("."))) return undefined;
  let real: string;
  try {
    real = await fs.realpath(path.join(root, ...segments));
  } catch (error) {
    if (isNotThere(error)) return undefined;
    throw error;
  }
  const inside = path.relative(root, real);
  if (inside === "" || inside.startsWith("..") || path.isAbsolute(inside) || inside.split(path.sep).some((s) => s.startsWith("."))) return undefined;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (isNotThere(error) || (error as NodeJS.ErrnoException).code === "ELOOP") return undefined;
    throw error;
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    return undefined;
  }
  return { handle, size: stat.size, name: real };
}

/** Sends the file or one byte range of it (RFC 9110 section 14), streamed; closes the file. */
async function sendFile(file: OpenFile, range: string | undefined, headOnly: boolean, res: ServerResponse): Promise<void> {
  const { handle, size } = file;
  let streaming = false;
  try {
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("Content-Type", file.name.endsWith("info") || file.name.endsWith(".json") ? "application/json" : "application/octet-stream");
    let start = 0;
    let end = size - 1;
    const match = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
    if (match && (match[1] !== "" || match[2] !== "")) {
      start = match[1] === "" ? Math.max(0, size - Number(match[2])) : Number(match[1]);
      end = match[1] === "" || match[2] === "" ? size - 1 : Math.min(size - 1, Number(match[2]));
      if (start > end || start >= size) {
        res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, { "Content-Range": `bytes ${start}-${end}/${size}`, "Content-Length": end - start + 1 });
    } else {
      res.writeHead(200, { "Content-Length": size });
    }
    if (headOnly || size === 0) {
      res.end();
      return;
    }
    streaming = true;
    const stream = handle.createReadStream({ start, end, autoClose: true });
    await new Promise<void>((resolve) => {
      // A client that goes away mid-file ends the stream; that is the client's business, not a fault here.
      pipeline(stream, res, () => resolve());
    });
  } finally {
    if (!streaming) await handle.close();
  }
}

function isNotThere(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The volumes present in a served folder (their info file exists). */
export function volumesIn(dir: string): Volume[] {
  return VOLUMES.filter((v) => existsSync(path.join(dir, ...v.path.split("/"), v.marker)));
}

/** The neuroglancer link that opens the served volumes: the first one shown, the others as hidden layers. */
export function neuroglancerUrl(baseUrl: string, volumes: readonly Volume[] = [VOLUMES[0]]): string {
  const state = {
    layers: volumes.map((v, i) => ({ type: "image", source: `${v.scheme}://${baseUrl}/${v.path}`, name: v.name, ...(i > 0 ? { visible: false } : {}) })),
    layout: "4panel",
  };
  return `https://neuroglancer-demo.appspot.com/#!${encodeURIComponent(JSON.stringify(state))}`;
}

/**
 * Starts the server and prints where it is, the link (from report/neuroglancer.json: viewer-link.ts), and a
 * warning when the folder holds no volume, or volumes of a run that has not finished.
 */
export async function serveCommand(options: ServeOptions, out: (line: string) => void, warn: (line: string) => void): Promise<Server> {
  const { server, url } = await startServer(options);
  const volumes = volumesIn(options.dir);
  out(`serving ${options.dir} at ${url}`);
  if (volumes.length === 0) {
    warn(`emingest: warning: ${options.dir} holds no volume (no ${VOLUMES.map((v) => `${v.path}/${v.marker}`).join(" or ")}); serve the --out folder of a finished run`);
    return server;
  }
  // finalize writes report/summary.json after every volume write: without it, the run stopped or is going.
  if (!existsSync(path.join(options.dir, "report", "summary.json"))) {
    warn(
      `emingest: warning: ${options.dir} holds no finished run (no report/summary.json): its volume may be incomplete; ` +
        "rerun `emingest run` with the same settings to finish it, or see why it stopped",
    );
  }
  const saved = await savedViewerState(options.dir);
  if (saved && "problem" in saved) warn(`emingest: warning: ${saved.problem}; the link below shows the volumes only`);
  out(`open in neuroglancer: ${saved && "state" in saved ? savedStateLink(saved.state, url) : neuroglancerUrl(url, volumes)}`);
  return server;
}
