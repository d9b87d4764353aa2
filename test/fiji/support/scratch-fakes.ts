// Test doubles around the fiji Sandbox port (core/fiji/job.ts).
import type { ExecResult, Sandbox, ScratchDir, ScratchFile } from "../../../core/fiji/job.js";

/** What an in-memory scratch folder holds under a name. */
export function scratchFile(bytes: Uint8Array | undefined): ScratchFile {
  return bytes === undefined ? { kind: "missing" } : { kind: "file", bytes };
}

/**
 * A real sandbox whose every command start is reported, with the text inputs written for it, before the
 * command runs: tests count the starts of a job (which the job itself cannot record: it may write nowhere but
 * its scratch folder, which is removed) and see that a command never ran.
 */
export function observedSandbox(inner: Sandbox, onStart: (inputs: ReadonlyMap<string, string>, argv: readonly string[]) => void): Sandbox {
  return {
    create: async (): Promise<ScratchDir> => {
      const scratch = await inner.create();
      const inputs = new Map<string, string>();
      return {
        path: scratch.path,
        write: async (name, bytes) => {
          inputs.set(name, new TextDecoder().decode(bytes));
          await scratch.write(name, bytes);
        },
        read: (name) => scratch.read(name),
        exec: (argv): Promise<ExecResult> => {
          onStart(inputs, argv);
          return scratch.exec(argv);
        },
        remove: () => scratch.remove(),
      };
    },
  };
}
