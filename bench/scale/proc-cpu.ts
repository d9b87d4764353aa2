// CPU seconds of other processes, from /proc (Linux): one process by pid, or every live process of a process
// group (an emulator started by scripts/emulators.sh is one group: its wrapper scripts and the JVM or Go
// server under them). Counts user + system time of the live processes and of the children they have waited
// for; a process that ended before the read is not counted, so read before stopping anything.
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

interface Stat {
  pgrp: number;
  /** utime + stime + cutime + cstime, in seconds. */
  cpuS: number;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    // The process ended between the listing and the read.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ESRCH") return undefined;
    throw error;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so fields count from the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  return { pgrp: Number(fields[2]), cpuS: ticks / TICKS_PER_SECOND };
}

/** CPU seconds of one live process (with its waited-for children). */
export function processCpuS(pid: number): number {
  const s = stat(pid);
  if (!s) throw new Error(`process ${pid} is not running: its CPU time cannot be read`);
  return s.cpuS;
}

/** CPU seconds of every live process whose process group is `pgid`. */
export function groupCpuS(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s && s.pgrp === pgid) total += s.cpuS;
  }
  return total;
}

/** The emulators' process groups, from the DIR/pids file scripts/emulators.sh writes ("name pgid" lines). */
export function emulatorGroups(dir: string): Record<string, number> {
  const groups: Record<string, number> = {};
  for (const line of readFileSync(`${dir}/pids`, "utf8").split("\n")) {
    const [name, pid] = line.trim().split(" ");
    if (name && pid) groups[name] = Number(pid);
  }
  return groups;
}
