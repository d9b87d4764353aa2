// Fault injection for the kill-point tests, parsed once at start-up (HOUSE-STYLE.md rule 8): with
// EMINGEST_FAULT_KILL_AFTER=k, `emingest run` kills itself (SIGKILL) right after its k-th write
// (adapters/local/fault-injection.ts). Unset, nothing of it is built.
import { UsageError } from "./usage-error.js";

export const FAULT_ENV = "EMINGEST_FAULT_KILL_AFTER";

export interface FaultPlan {
  /** 1-based number of the write after which the process is killed. */
  killAfter: number;
}

export function parseFaultPlan(env: Readonly<Record<string, string | undefined>>): FaultPlan | undefined {
  const text = env[FAULT_ENV];
  if (text === undefined || text === "") return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new UsageError(`${FAULT_ENV} must be a whole number from 1, got "${text}"`);
  return { killAfter: Number(text) };
}
