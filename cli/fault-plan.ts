// Fault injection for the kill-point tests, parsed once at start-up (HOUSE-STYLE.md rule 8): with
// EMINGEST_FAULT_KILL_AFTER=k, `emingest run` kills itself (SIGKILL) right after its k-th write
// (adapters/local/fault-injection.ts); with EMINGEST_FAULT_KILL_AFTER=switch:k, `emingest reexport` kills itself
// after the k-th write of its switch only (cli/reexport-switch.ts). Unset, nothing of it is built.
import { UsageError } from "./usage-error.js";

export const FAULT_ENV = "EMINGEST_FAULT_KILL_AFTER";

export interface FaultPlan {
  /** 1-based number of the write after which the process is killed. */
  killAfter: number;
  /** "switch": count only the writes of a reexport's switch. */
  scope?: "switch";
}

export function parseFaultPlan(env: Readonly<Record<string, string | undefined>>): FaultPlan | undefined {
  const text = env[FAULT_ENV];
  if (text === undefined || text === "") return undefined;
  const match = /^(switch:)?([1-9][0-9]{0,8})$/.exec(text);
  if (!match) throw new UsageError(`${FAULT_ENV} must be a whole number from 1 (or switch:N), got "${text}"`);
  return { killAfter: Number(match[2]), ...(match[1] ? { scope: "switch" as const } : {}) };
}
