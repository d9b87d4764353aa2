// An HTTP proxy in front of the emulated bucket that can hold one upload: forwarded never, answered never,
// so the task that sent it is certainly still running when the test kills its container. Everything else
// passes through unchanged (small objects go up as one multipart POST, through here).
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HoldProxy {
  url: string;
  /** Holds the next upload; resolves with its object name once it arrives. */
  holdNextUpload(): Promise<string>;
  close(): Promise<void>;
}

export async function startHoldProxy(target: string): Promise<HoldProxy> {
  const upstream = new URL(target);
  let armed: ((name: string) => void) | undefined;
  const held = new Set<ServerResponse>();
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    if (armed && req.method === "POST" && url.pathname.startsWith("/upload/storage/v1/b/")) {
      const resolve = armed;
      armed = undefined;
      held.add(res);
      req.resume();
      resolve(url.searchParams.get("name") ?? "(multipart)");
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holdNextUpload: () => new Promise((resolve) => (armed = resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
