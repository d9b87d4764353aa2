// adapters/gcp/http-get.ts against servers that answer in every framing HTTP/1.1 allows, and against ones
// that cut, stall, garble or close: a response is returned only whole, every other outcome is an error with
// a string code (what gcs-media.ts retries), and a connection is reused only after a whole response.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import test from "node:test";
import tls from "node:tls";
import { httpGet } from "../../adapters/gcp/http-get.js";

const bytes = (n: number, seed = 1): Buffer => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));

async function listen(server: net.Server, t: test.TestContext): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** A raw TCP server: `answer` gets each connection and the request text it sent. */
async function rawServer(t: test.TestContext, answer: (socket: net.Socket, request: string) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      while (text.includes("\r\n\r\n")) {
        const end = text.indexOf("\r\n\r\n") + 4;
        const request = text.slice(0, end);
        text = text.slice(end);
        answer(socket, request);
      }
    });
  });
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  return { port: await listen(server, t), connections: () => connections };
}

test("http-get: Content-Length and chunked bodies arrive whole, headers are read, one connection serves many requests", async (t) => {
  const body = bytes(3_000_000);
  let connections = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === "/length") {
      res.writeHead(200, { "Content-Length": body.length, "X-Goog-Generation": "17", "Set-Cookie": ["a=1", "b=2"] });
      res.end(body);
    } else {
      // No length: node:http frames it chunked; many writes of odd sizes.
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      for (let at = 0; at < body.length; at += 70_001) res.write(body.subarray(at, at + 70_001));
      res.end();
    }
  });
  server.on("connection", () => (connections += 1));
  const port = await listen(server, t);
  for (let i = 0; i < 3; i++) {
    const a = await httpGet(new URL(`http://127.0.0.1:${port}/length`));
    assert.equal(a.status, 200);
    assert.equal(a.headers["x-goog-generation"], "17");
    assert.equal(a.headers["set-cookie"], "a=1, b=2");
    assert.ok(Buffer.from(a.body).equals(body));
    const c = await httpGet(new URL(`http://127.0.0.1:${port}/chunked`));
    assert.equal(c.headers["transfer-encoding"], "chunked");
    assert.ok(Buffer.from(c.body).equals(body));
  }
  assert.equal(connections, 1, "six requests, one after another, on one kept-alive connection");
});

test("http-get: headers split across reads, a body delimited by the close, chunk extensions and trailers", async (t) => {
  const body = bytes(100_000, 7);
  const { port } = await rawServer(t, (socket, request) => {
    const head = request.startsWith("GET /close ") ? "HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n" : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    // The head one byte per write (and per packet: no delay), so the blank line straddles reads.
    socket.setNoDelay(true);
    let i = 0;
    const drip = (): void => {
      if (i < head.length) {
        socket.write(head[i++]);
        setImmediate(drip);
      } else if (request.startsWith("GET /close ")) socket.end(body);
      else socket.write(`5;ext=1\r\n${body.subarray(0, 5).toString("latin1")}\r\n${(body.length - 5).toString(16)}\r\n`, "latin1", () => socket.write(Buffer.concat([body.subarray(5), Buffer.from("\r\n0\r\nX-Trailer: y\r\n\r\n")])));
    };
    drip();
  });
  const closed = await httpGet(new URL(`http://127.0.0.1:${port}/close`));
  assert.equal(closed.headers["x-a"], "1");
  assert.ok(Buffer.from(closed.body).equals(body));
  const chunked = await httpGet(new URL(`http://127.0.0.1:${port}/chunked`));
  assert.ok(Buffer.from(chunked.body).equals(body));
});

test("http-get: a body cut short, a garbled answer, extra bytes and a stall are errors with a code, never a response", async (t) => {
  const { port, connections } = await rawServer(t, (socket, request) => {
    const what = request.split(" ")[1];
    if (what === "/short") socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${"x".repeat(500)}`);
    else if (what === "/short-chunked") socket.end("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789");
    else if (what === "/garbled") socket.end("HTTP/9 OK\r\n\r\n");
    else if (what === "/bad-chunk") socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    else if (what === "/extra") socket.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef");
    else if (what === "/gzip-te") socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
    // "/stall": nothing.
  });
  const get = (p: string, timeoutMs?: number) => httpGet(new URL(`http://127.0.0.1:${port}${p}`), { timeoutMs });
  await assert.rejects(get("/short"), (e: NodeJS.ErrnoException) => e.code === "ECONNRESET" && /ended after 500 of 1000 bytes/.test(e.message));
  await assert.rejects(get("/short-chunked"), (e: NodeJS.ErrnoException) => e.code === "ECONNRESET" && /chunked body/.test(e.message));
  await assert.rejects(get("/garbled"), (e: NodeJS.ErrnoException) => e.code === "EPROTO" && /not an HTTP\/1.x status line/.test(e.message));
  await assert.rejects(get("/bad-chunk"), (e: NodeJS.ErrnoException) => e.code === "EPROTO" && /bad chunk size "zz"/.test(e.message));
  await assert.rejects(get("/extra"), (e: NodeJS.ErrnoException) => e.code === "EPROTO" && /3 bytes after the announced body/.test(e.message));
  await assert.rejects(get("/gzip-te"), (e: NodeJS.ErrnoException) => e.code === "EPROTO" && /transfer-encoding "gzip"/.test(e.message));
  await assert.rejects(get("/stall", 300), (e: NodeJS.ErrnoException) => e.code === "ETIMEDOUT");
  assert.equal(connections(), 7, "no connection that failed was used again");
  await assert.rejects(httpGet(new URL(`http://127.0.0.1:${port}/`), { headers: { "X-Evil": "a\r\nHost: b" } }), RangeError);
  // Nothing listens: the socket's own error, with its code.
  const closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(httpGet(new URL(`http://127.0.0.1:${closedPort}/`)), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED");
});

test("http-get: a kept-alive connection the server closed while idle is replaced, and Connection: close is honoured", async (t) => {
  const { port, connections } = await rawServer(t, (socket, request) => {
    const close = request.includes("/close-after");
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${close ? "Connection: close\r\n" : ""}\r\nok`);
    // The server drops every idle connection right after answering (a keep-alive timeout racing the next request).
    if (!close) setTimeout(() => socket.destroy(), 50);
  });
  const url = new URL(`http://127.0.0.1:${port}/a`);
  assert.equal(Buffer.from((await httpGet(url)).body).toString(), "ok");
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(Buffer.from((await httpGet(url)).body).toString(), "ok", "answered on a new connection");
  assert.equal(connections(), 2);
  await new Promise((resolve) => setTimeout(resolve, 150));
  await httpGet(new URL(`http://127.0.0.1:${port}/close-after`));
  await httpGet(new URL(`http://127.0.0.1:${port}/close-after`));
  assert.equal(connections(), 4, "a response with Connection: close leaves its connection out of the pool");
});

test("http-get: a kept-alive connection closed by the server when the next request arrives: the request runs once more on a new connection", async (t) => {
  const served = new WeakMap<net.Socket, number>();
  let answered = 0;
  const { port, connections } = await rawServer(t, (socket) => {
    const n = (served.get(socket) ?? 0) + 1;
    served.set(socket, n);
    // Every connection's second request is dropped unanswered.
    if (n === 2) return socket.destroy();
    answered += 1;
    socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  const url = new URL(`http://127.0.0.1:${port}/a`);
  for (let i = 0; i < 3; i++) assert.equal(Buffer.from((await httpGet(url)).body).toString(), "ok");
  assert.equal(answered, 3);
  assert.equal(connections(), 3, "requests 2 and 3 each found their pooled connection dropped and ran on a new one");
});

test("http-get: https, with the server's certificate checked against the name asked for", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "http-get-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  const cert = readFileSync(path.join(dir, "cert.pem"));
  const body = bytes(1_500_000, 3);
  const server = tls.createServer({ key: readFileSync(path.join(dir, "key.pem")), cert }, (socket) => {
    socket.once("data", () => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body])));
  });
  const port = await listen(server, t);
  const url = new URL(`https://127.0.0.1:${port}/o`);
  const got = await httpGet(url, { tls: { ca: cert, servername: "localhost" } });
  assert.ok(Buffer.from(got.body).equals(body));
  await assert.rejects(httpGet(url, { tls: { ca: cert, servername: "other.example" } }), (e: NodeJS.ErrnoException) => e.code === "ERR_TLS_CERT_ALTNAME_INVALID");
  await assert.rejects(httpGet(url, { tls: { servername: "localhost" } }), (e: NodeJS.ErrnoException) => typeof e.code === "string" && /SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code));
});
