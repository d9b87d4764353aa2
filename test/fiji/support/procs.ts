// What runs on this machine, read from /proc: the evidence that nothing of a job outlives it.
import { readdirSync, readFileSync } from "node:fs";

export interface Proc {
  pid: number;
  ppid: number;
  /** R, S, Z (zombie), ... */
  state: string;
  uid: number;
  command: string;
}

/** Every process now (those that end while being read are skipped). */
export function processes(): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${entry}/status`, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ESRCH") continue;
      throw error;
    }
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1] ?? "";
    found.push({ pid: Number(entry), ppid: Number(field("PPid")), state: field("State").charAt(0), uid: Number(field("Uid").split(/\s+/)[0]), command: field("Name") });
  }
  return found;
}

/** Processes, zombies included, whose real uid is `uid`. */
export const processesOf = (uid: number) => processes().filter((p) => p.uid === uid);

/** Zombies whose parent is `ppid` (this test process: children it did not reap). */
export const zombiesOf = (ppid: number) => processes().filter((p) => p.ppid === ppid && p.state === "Z");
