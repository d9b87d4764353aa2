// A delivered task's completion, recorded the one way every delivery path records it: the local worker pool
// (adapters/local/local-stage-runner.ts), a Pub/Sub push or pull and a dead letter (the services' task
// delivery). The RunStore keeps the first "done" of a task id and ignores any later record of it
// (ports.ts), so a redelivered task changes nothing once it is done.
import type { RunStore, TaskMessage } from "./ports.js";

export type Completion = { attempts: number; durationMs: number } & ({ ok: true; outcome: unknown } | { ok: false; error: string });

/** Records the task as done (with its plain-data outcome) or failed (with its reason). False: it was already done. */
export function recordCompletion(runs: Pick<RunStore, "recordTask">, task: Pick<TaskMessage, "run" | "id" | "stage">, completion: Completion): Promise<boolean> {
  const { attempts, durationMs } = completion;
  const common = { run: task.run, id: task.id, stage: task.stage, attempts, durationMs };
  return runs.recordTask(
    completion.ok ? { ...common, status: "done", outcome: completion.outcome ?? null } : { ...common, status: "failed", error: completion.error },
  );
}
