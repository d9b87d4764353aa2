// Test set-up for test/fiji: headless ImageJ from scripts/imagej.sh (installs net.imagej:ij from Maven Central
// on a fresh machine, and xvfb), a scratch root the job's user can traverse, and a tiny HTTP client.
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { REPO } from "../../cloud/support/emulators.js";

const run = promisify(execFile);

export async function installImageJ(): Promise<{ jar: string; ms: number }> {
  const started = Date.now();
  const { stdout } = await run("bash", [path.join(REPO, "scripts", "imagej.sh")], { maxBuffer: 1 << 24 });
  return { jar: stdout.trim().split("\n").pop()!, ms: Date.now() - started };
}

/**
 * What a job must read of the test's ImageJ: the jar's folder, bound read-only into the sandbox
 * (FIJI_READ_ONLY_PATHS). A checkout under /tmp would otherwise be hidden by the job's private /tmp.
 */
export const imagejPaths = (jar: string): string[] => [path.dirname(jar)];

/**
 * The unprivileged user jobs run as (Debian's "nobody"). The sandbox needs the tests to run as root: it makes
 * the job's namespaces, then drops to this user.
 */
export const JOB_USER = { uid: 65534, gid: 65534 };

/** A scratch root as the service wants one: root's, mode 0711, in the OS temp dir (sticky, so it stays ours). */
export function scratchRoot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "fiji-scratch-"));
  chmodSync(dir, 0o711);
  return dir;
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** 8-bit noise, odd sizes so edges and partial downsample blocks matter. */
export async function noisePng(width: number, height: number, seed: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return sharp(data, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png().toBuffer();
}
