// A server that dies mid-job, for test/fiji/containment.test.ts, which runs it in a subprocess of its own:
// starts a job whose command leaves a setsid child and a double-forked one behind, and once all of them run,
// SIGKILLs its own process: nothing of the job may outlive it.
import { ProcessSandbox } from "../../../adapters/process/fiji-sandbox.js";
import { processesOf } from "./procs.js";

export async function dieMidJob(root: string, uid: number): Promise<void> {
  const scratch = await new ProcessSandbox({ root, runAs: { uid, gid: uid }, timeoutMs: 120_000, javaHeapMb: 0 }).create();
  void scratch.exec(["/bin/sh", "-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & (sleep 300 </dev/null >/dev/null 2>&1 &); sleep 300"]);
  // The command (its shell), its sleep, and the two children; PID 1 is root's.
  while (processesOf(uid).length < 4) await new Promise((r) => setTimeout(r, 20));
  process.stdout.write(`${processesOf(uid).length} processes of the job run\n`);
  process.kill(process.pid, "SIGKILL");
}
