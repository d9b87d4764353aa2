// HTTP/1.1 GETs over kept-alive sockets that read into one reusable buffer each (net/tls `onread`), for the
// object reads of gcs-media.ts. Why not node:http: its client gets every socket read as a fresh 64 KiB Buffer,
// and on this VM that churn of external memory cost a service ~1.4 CPU-s per GB received and tripled its
// major garbage collections (BENCHMARKS.md "The orchestration overhead"); here each response body is copied
// once, from the socket's buffer into one buffer of its announced length.
// Invariants: a response is returned only whole (its Content-Length, its chunked framing to the last chunk,
// or, when it has neither, up to the server's close); anything else is an error with a string `code`
// (ECONNRESET, ETIMEDOUT, EPROTO), which the caller's retry policy treats as a reset connection. A socket goes
// back to the pool only after a whole response on a connection both sides keep alive; idle sockets do not
// keep the process alive. One request at a time per socket.
import net from "node:net";
import tls from "node:tls";

export interface GetResponse {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** No byte for this long fails the request (ETIMEDOUT). */
  timeoutMs?: number;
  /** Extra TLS options for https: origins (tests: a private `ca`). */
  tls?: tls.ConnectionOptions;
}

const READ_BUFFER = 256 * 1024;
const MAX_HEAD = 64 * 1024;
const MAX_IDLE_PER_ORIGIN = 8;

/**
 * A GET of `url` on a pooled connection (a new one when none is idle). A kept-alive connection the server
 * closed before answering a byte is replaced once by a new one, as node:http's agent does.
 */
export async function httpGet(url: URL, options: GetOptions = {}): Promise<GetResponse> {
  for (const header of Object.entries(options.headers ?? {})) {
    if (/[\r\n]/.test(header.join(""))) throw new RangeError(`header ${header[0]}: no line breaks allowed`);
  }
  const origin = `${url.protocol}//${url.host}`;
  const pooled = POOL.take(origin);
  if (pooled) {
    try {
      return await pooled.get(url, options);
    } catch (error) {
      if (!(error instanceof StaleConnectionError)) throw error;
    }
  }
  return new Connection(url, origin, options.tls).get(url, options);
}

/** Idle connections per origin. The one piece of module state: a process-wide pool, as node:http's global agent is. */
class Pool {
  private readonly idle = new Map<string, Connection[]>();

  take(origin: string): Connection | undefined {
    const list = this.idle.get(origin);
    while (list && list.length > 0) {
      const conn = list.pop()!;
      if (conn.usable()) return conn;
    }
    return undefined;
  }

  give(conn: Connection): void {
    const list = this.idle.get(conn.origin) ?? [];
    if (list.length >= MAX_IDLE_PER_ORIGIN) return conn.close();
    list.push(conn);
    this.idle.set(conn.origin, list);
  }

  drop(conn: Connection): void {
    const list = this.idle.get(conn.origin);
    const at = list?.indexOf(conn) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  }
}
const POOL = new Pool();

class HttpGetError extends Error {
  override readonly name = "HttpGetError";
  constructor(
    message: string,
    readonly code: "ECONNRESET" | "ETIMEDOUT" | "EPROTO",
  ) {
    super(message);
  }
}

/** A reused connection closed by the server before any byte of the answer: the request never ran. */
class StaleConnectionError extends HttpGetError {}

interface Pending {
  resolve(response: GetResponse): void;
  reject(error: Error): void;
  parser: ResponseParser;
  timer: NodeJS.Timeout;
  url: string;
  received: number;
}

class Connection {
  private readonly socket: net.Socket;
  private pending: Pending | undefined;
  private requests = 0;

  constructor(
    url: URL,
    readonly origin: string,
    tlsOptions: tls.ConnectionOptions | undefined,
  ) {
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const onread = { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n: number, buf: Uint8Array) => this.onData(buf, n) };
    this.socket =
      url.protocol === "https:"
        ? // onread is tls.connect's too (Node >= 15.1, "tls: allow reading data into a static buffer"); @types/node lacks it.
          tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ["http/1.1"], ...tlsOptions, onread } as tls.ConnectionOptions)
        : net.connect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.ended());
  }

  /** Not closed by either side. */
  usable(): boolean {
    return !this.socket.destroyed && !this.socket.readableEnded;
  }

  get(url: URL, options: GetOptions): Promise<GetResponse> {
    this.requests += 1;
    return new Promise<GetResponse>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 60_000;
      const timer = setTimeout(() => this.fail(new HttpGetError(`${url.href}: no data for ${timeoutMs / 1000} s`, "ETIMEDOUT")), timeoutMs);
      this.pending = { resolve, reject, parser: new ResponseParser(), timer, url: url.href, received: 0 };
      this.socket.ref();
      const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
      for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
      this.socket.write(lines.join("\r\n") + "\r\n\r\n");
    });
  }

  close(): void {
    POOL.drop(this);
    this.socket.destroy();
  }

  private onData(buf: Uint8Array, n: number): boolean {
    const p = this.pending;
    if (!p) {
      // Bytes nobody asked for: the connection is out of step and is not used again.
      this.close();
      return false;
    }
    p.timer.refresh();
    p.received += n;
    let response: GetResponse | undefined;
    try {
      response = p.parser.push(buf, n);
    } catch (error) {
      this.fail(error instanceof Error ? error : new HttpGetError(String(error), "EPROTO"));
      return false;
    }
    if (!response) return true;
    clearTimeout(p.timer);
    this.pending = undefined;
    if (response.headers.connection?.toLowerCase() !== "close" && p.parser.keepAlive() && this.usable()) {
      this.socket.unref();
      POOL.give(this);
    } else this.close();
    p.resolve(response);
    return true;
  }

  /** An error on the socket (or a malformed answer, or the timeout): the request fails, the connection is closed. */
  private fail(error: Error): void {
    const p = this.take();
    this.close();
    if (!p) return;
    const code = (error as NodeJS.ErrnoException).code;
    if (this.stale(p) && (code === "ECONNRESET" || code === "EPIPE")) return p.reject(new StaleConnectionError(`${p.url}: the kept-alive connection was reset`, "ECONNRESET"));
    p.reject(typeof code === "string" ? error : new HttpGetError(`${p.url}: ${error.message}`, "EPROTO"));
  }

  /** The server closed the connection: a body delimited by the close is whole; any other answer is cut short. */
  private ended(): void {
    const p = this.take();
    POOL.drop(this);
    if (!p) return;
    const whole = p.parser.endOfStream();
    if (whole) return p.resolve(whole);
    if (this.stale(p)) return p.reject(new StaleConnectionError(`${p.url}: the kept-alive connection was closed`, "ECONNRESET"));
    p.reject(new HttpGetError(`${p.url}: the response ended after ${p.parser.progress()} (the connection closed)`, "ECONNRESET"));
  }

  /** A request on a reused connection that got no byte back: the server may have dropped the connection before it. */
  private stale(p: Pending): boolean {
    return p.received === 0 && this.requests > 1;
  }

  private take(): Pending | undefined {
    const p = this.pending;
    this.pending = undefined;
    if (p) clearTimeout(p.timer);
    return p;
  }
}

/** One response's bytes in, the response out once it is whole (the framing of RFC 9112). */
export class ResponseParser {
  private headBytes: Buffer = Buffer.alloc(0);
  private status = 0;
  private version = "";
  private headers: Record<string, string> = {};
  private body: Uint8Array | undefined;
  /** Bytes of a Content-Length body received so far. */
  private filled = 0;
  private chunks: Buffer[] = [];
  private mode: "head" | "length" | "chunked" | "close" | "done" = "head";
  /** Chunked framing: the text of the size line or trailer being read, and the bytes left of the chunk being read. */
  private line = "";
  private chunkLeft = 0;
  private chunkState: "size" | "data" | "data-crlf" | "trailer" = "size";

  /** Feeds bytes; the response when these bytes completed it. Throws HttpGetError on a malformed response. */
  push(buf: Uint8Array, n: number): GetResponse | undefined {
    let at = 0;
    if (this.mode === "head") {
      const view = Buffer.from(buf.buffer, buf.byteOffset, n);
      const prior = this.headBytes;
      // The blank line may straddle two reads: search the last 3 bytes before with these.
      const tail = Math.min(3, prior.byteLength);
      const found = tail === 0 ? view.indexOf("\r\n\r\n") : Buffer.concat([prior.subarray(prior.byteLength - tail), view.subarray(0, MAX_HEAD)]).indexOf("\r\n\r\n");
      if (found < 0) {
        if (prior.byteLength + n > MAX_HEAD) throw new HttpGetError(`response headers over ${MAX_HEAD} bytes`, "EPROTO");
        this.headBytes = Buffer.concat([prior, view]);
        return undefined;
      }
      at = found + 4 - tail;
      const head = Buffer.concat([prior, view.subarray(0, at)]);
      if (head.byteLength > MAX_HEAD) throw new HttpGetError(`response headers over ${MAX_HEAD} bytes`, "EPROTO");
      this.headBytes = Buffer.alloc(0);
      this.parseHead(head.toString("latin1", 0, head.byteLength - 4));
      if (this.complete()) {
        if (at < n) throw new HttpGetError(`${n - at} bytes after a response without a body`, "EPROTO");
        return this.response();
      }
    }
    if (this.mode === "length") {
      const body = this.body!;
      const take = Math.min(n - at, body.byteLength - this.filled);
      body.set(buf.subarray(at, at + take), this.filled);
      this.filled += take;
      if (at + take < n) throw new HttpGetError(`${n - at - take} bytes after the announced body`, "EPROTO");
      return this.filled === body.byteLength ? this.done() : undefined;
    }
    if (this.mode === "close") {
      this.chunks.push(Buffer.from(buf.subarray(at, n)));
      return undefined;
    }
    if (this.mode === "chunked") return this.pushChunked(buf, at, n);
    throw new HttpGetError("bytes after a whole response", "EPROTO");
  }

  /** How much of the response came, for an error message. */
  progress(): string {
    if (this.mode === "head") return `${this.headBytes.byteLength} bytes of its headers`;
    if (this.mode === "length") return `${this.filled} of ${this.body?.byteLength} bytes`;
    return `${this.chunks.reduce((sum, c) => sum + c.byteLength, 0)} bytes of a ${this.mode} body`;
  }

  private complete(): boolean {
    return this.mode === "done";
  }

  /** The response when the body is delimited by the connection's close (neither length nor chunked). */
  endOfStream(): GetResponse | undefined {
    if (this.mode !== "close") return undefined;
    this.body = Buffer.concat(this.chunks);
    return this.done();
  }

  /** Whether the connection may carry another request (HTTP/1.1 keeps it open unless told otherwise; 1.0 closes). */
  keepAlive(): boolean {
    return this.version === "HTTP/1.1" && this.mode === "done";
  }

  private parseHead(text: string): void {
    const [statusLine, ...lines] = text.split("\r\n");
    const m = /^(HTTP\/1\.[01]) (\d{3})(?: .*)?$/.exec(statusLine);
    if (!m) throw new HttpGetError(`not an HTTP/1.x status line: "${statusLine.slice(0, 80)}"`, "EPROTO");
    this.version = m[1];
    this.status = Number(m[2]);
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new HttpGetError(`malformed header line "${line.slice(0, 80)}"`, "EPROTO");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      this.headers[name] = name in this.headers ? `${this.headers[name]}, ${value}` : value;
    }
    if (this.status < 200) throw new HttpGetError(`unexpected interim status ${this.status}`, "EPROTO");
    const encoding = this.headers["transfer-encoding"];
    const length = this.headers["content-length"];
    if (this.status === 204 || this.status === 304) this.mode = "done";
    else if (encoding !== undefined) {
      if (encoding.toLowerCase() !== "chunked") throw new HttpGetError(`transfer-encoding "${encoding}" is not read here`, "EPROTO");
      this.mode = "chunked";
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw new HttpGetError(`content-length "${length}" is not a byte count`, "EPROTO");
      this.body = Buffer.allocUnsafe(Number(length));
      this.mode = this.body.byteLength === 0 ? "done" : "length";
    } else this.mode = "close";
    if (this.mode === "done") this.body ??= new Uint8Array(0);
  }

  private pushChunked(buf: Uint8Array, at: number, n: number): GetResponse | undefined {
    while (at < n) {
      if (this.chunkState === "data") {
        const take = Math.min(n - at, this.chunkLeft);
        this.chunks.push(Buffer.from(buf.subarray(at, at + take)));
        at += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.chunkState = "data-crlf";
        continue;
      }
      // A line: the chunk size, the CRLF after a chunk's data, or a trailer line.
      const byte = buf[at++];
      if (byte !== 0x0a) {
        this.line += String.fromCharCode(byte);
        if (this.line.length > 4096) throw new HttpGetError("chunked framing: a line over 4096 bytes", "EPROTO");
        continue;
      }
      const line = this.line.replace(/\r$/, "");
      this.line = "";
      if (this.chunkState === "data-crlf") {
        if (line !== "") throw new HttpGetError("chunked framing: no line end after a chunk", "EPROTO");
        this.chunkState = "size";
      } else if (this.chunkState === "size") {
        const size = /^([0-9a-fA-F]{1,12})(;.*)?$/.exec(line);
        if (!size) throw new HttpGetError(`chunked framing: bad chunk size "${line.slice(0, 40)}"`, "EPROTO");
        this.chunkLeft = parseInt(size[1], 16);
        this.chunkState = this.chunkLeft === 0 ? "trailer" : "data";
      } else if (line === "") {
        if (at < n) throw new HttpGetError(`${n - at} bytes after the last chunk`, "EPROTO");
        this.body = Buffer.concat(this.chunks);
        return this.done();
      }
    }
    return undefined;
  }

  private done(): GetResponse {
    this.mode = "done";
    return this.response();
  }

  private response(): GetResponse {
    return { status: this.status, headers: this.headers, body: this.body ?? new Uint8Array(0) };
  }
}
