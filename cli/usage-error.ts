import { parseArgs } from "node:util";

/** A command line that does not parse: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Spec = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** A subcommand's flags and positionals, strictly (an unknown or malformed flag is a UsageError). */
export function parseFlags<S extends Spec>(args: readonly string[], options: S) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
