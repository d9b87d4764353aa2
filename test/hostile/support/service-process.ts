// A task service (dist/services/<name>/server.js) as a child process with exactly the environment given: it
// either fails to start (exit code and stderr) or logs where it listens (the address it really bound,
// from its "listening" log line) and is stopped with SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { serviceNodeArgs } from "../../../cloud-runtime/node-flags.js";

export interface Started {
  child: ChildProcess;
  address: string;
  port: number;
  stop(): Promise<number | null>;
}

export interface Refused {
  code: number | null;
  stderr: string;
  stdout: string;
}

export function startService(name: "align" | "emwrite", env: NodeJS.ProcessEnv): Promise<Started | Refused> {
  const child = spawn(process.execPath, serviceNodeArgs(name), { stdio: ["ignore", "pipe", "pipe"], env });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return new Promise((resolve) => {
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      for (const line of stdout.split("\n")) {
        const entry = line.startsWith("{") ? (JSON.parse(line) as { message?: string; address?: string; port?: number }) : undefined;
        if (entry?.message?.includes("listening") && entry.address && entry.port) {
          resolve({
            child,
            address: entry.address,
            port: entry.port,
            stop: () => {
              child.kill("SIGTERM");
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => resolve({ code, stderr, stdout }));
  });
}

export function isStarted(s: Started | Refused): s is Started {
  return "address" in s;
}
