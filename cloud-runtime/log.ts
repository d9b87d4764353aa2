// Structured logs in the shape Cloud Logging parses from a container's stdout: one JSON object per line
// with `severity`, `message`, and labels under "logging.googleapis.com/labels" (run, task, stage), so
// a run's or a task's lines are one filter away.
export type Severity = "DEBUG" | "INFO" | "NOTICE" | "WARNING" | "ERROR";

export interface LogFields {
  run?: string;
  task?: string;
  stage?: string;
  [field: string]: unknown;
}

export type Logger = (severity: Severity, message: string, fields?: LogFields) => void;

/** A logger that writes JSON lines through `write` (process.stdout.write in a server, an array in tests). */
export function jsonLogger(write: (line: string) => unknown, component: string): Logger {
  return (severity, message, fields = {}) => {
    const { run, task, stage, ...rest } = fields;
    const labels: Record<string, string> = { component };
    if (run !== undefined) labels.run = run;
    if (task !== undefined) labels.task = task;
    if (stage !== undefined) labels.stage = stage;
    write(
      `${JSON.stringify({
        severity,
        message,
        time: new Date().toISOString(),
        "logging.googleapis.com/labels": labels,
        ...rest,
      })}\n`,
    );
  };
}

export const silentLogger: Logger = () => undefined;
