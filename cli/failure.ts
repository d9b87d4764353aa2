// What the command prints when it fails, and its exit code. Every failure a user can cause or meet is one
// line that names the object and the cause: a command line that does not parse (exit 2), bad input or a
// failed run (PermanentError, exit 1), an ordinary condition of the machine (os-error.ts: a full disk, a
// read-only folder, a port in use; exit 1). Anything else is a bug: its stack is printed so it can be
// reported. `--debug` adds the stack to every failure.
import { osCondition, osConditionLine } from "../adapters/local/os-error.js";
import { errorMessage, PermanentError } from "../core/errors.js";
import { UsageError } from "./usage-error.js";

export interface FailureReport {
  /** Printed to stderr, one per line. */
  lines: string[];
  exitCode: number;
}

export function failureReport(error: unknown, debug: boolean): FailureReport {
  const stack = error instanceof Error && error.stack ? [error.stack] : [];
  if (error instanceof UsageError) {
    // node:util parseArgs explains some mistakes over several lines.
    const message = error.message.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
    return { lines: [`emingest: ${message} (emingest help shows the usage)`, ...(debug ? stack : [])], exitCode: 2 };
  }
  if (error instanceof PermanentError) return { lines: [`emingest: ${error.message}`, ...(debug ? stack : [])], exitCode: 1 };
  const condition = osCondition(error);
  if (condition) return { lines: [`emingest: ${osConditionLine(condition)}`, ...(debug ? stack : [])], exitCode: 1 };
  return { lines: [`emingest: internal error: ${errorMessage(error)}`, ...stack], exitCode: 1 };
}

/** `--debug` anywhere before a `--`: taken out of the arguments, so every command accepts it. */
export function takeDebugFlag(argv: readonly string[]): { debug: boolean; args: string[] } {
  const end = argv.indexOf("--");
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  const args = head.filter((a) => a !== "--debug");
  return { debug: args.length < head.length, args: [...args, ...tail] };
}
