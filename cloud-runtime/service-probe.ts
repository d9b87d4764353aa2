// A service's CPU per step, for the orchestration-overhead bench (bench/scale/cloud-cpu.ts --probe): on only
// when the service's configuration names a probe file (EMINGEST_PROBE_FILE, read once in service-deps.ts).
// Requests then run one at a time, so the process's CPU belongs to the one request in flight, and a StepClock
// (core/util/step-clock.ts) charges it to the same steps bench/e2e names for the local run: the handlers'
// own steps, each store call by its key, run-state reads and writes. Stages: a task's stage from the moment
// its message is parsed; "push receive" before that (the body read and JSON parse), "step <name>" for the
// workflow's barrier steps, "between requests" for what runs while the service is idle (timers, GC, client
// keep-alives). The totals, and the garbage collector's pauses per stage, are written to the file as JSON
// when the service stops.
import { writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import type { StepDeps } from "../core/pipeline/deps.js";
import type { TaskRouter } from "../core/pipeline/task-router.js";
import type { RunStore, TaskMessage } from "../core/ports.js";
import { clockedRuns, clockedStore, gcJson, gcKindsJson, restOf, StepClock, storeStep, totalsJson } from "../core/util/step-clock.js";
import type { RunLocator } from "../adapters/gcp/run-locations.js";
import type { RequestListener } from "./app.js";

export class ServiceProbe {
  readonly clock = new StepClock();
  /** The tail of the requests waiting their turn: each starts when the one before it has been answered. */
  private turn: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {
    // For the process's life: the probe is on only in a bench's service.
    this.clock.observeGc();
  }

  /** The listener with its requests run one at a time, each charged to its stage. */
  serialize(listener: RequestListener): RequestListener {
    return (req, res) => {
      this.turn = this.turn.then(
        () =>
          new Promise<void>((resolve) => {
            this.clock.setStage(requestStage(req));
            res.once("close", () => {
              this.clock.setStage("between requests");
              resolve();
            });
            listener(req, res);
          }),
      );
    };
  }

  runs(runs: RunStore): RunStore {
    return clockedRuns(runs, this.clock);
  }

  /** A run's stores and run state, each call charged as a step; the handlers' steps go to the same clock. */
  stepDeps(deps: StepDeps): StepDeps {
    return {
      ...deps,
      source: clockedStore(deps.source, this.clock, storeStep("source")),
      out: clockedStore(deps.out, this.clock, storeStep("out")),
      runs: this.runs(deps.runs),
      probe: this.clock,
    };
  }

  /** The locator whose run stores are charged as steps (the barrier steps' and the routers' alike). */
  locator(base: RunLocator): RunLocator {
    const probed = Object.create(base) as RunLocator;
    probed.stepDeps = async (run) => this.stepDeps(await base.stepDeps(run));
    return probed;
  }

  /** The router with each task charged to its stage, from its check on; outside named steps to `restOf(stage)`. */
  router(route: TaskRouter): TaskRouter {
    const stage = (task: TaskMessage) => this.clock.setStage(task.stage);
    const run = (task: TaskMessage) => {
      stage(task);
      return this.clock.measure(restOf(task.stage), () => route(task));
    };
    const check = route.check;
    return Object.assign(run, check ? { check: (task: TaskMessage) => (stage(task), check(task)) } : {});
  }

  /** Writes {cpu: stage -> step -> CPU seconds, gc: stage -> seconds of GC pauses} since the service started. */
  write(): void {
    this.clock.tick();
    writeFileSync(this.file, `${JSON.stringify({ cpu: totalsJson(this.clock.totals), gc: gcJson(this.clock.totals), gcKinds: gcKindsJson(this.clock.totals) })}\n`);
  }
}

function requestStage(req: IncomingMessage): string {
  const path = new URL(req.url ?? "/", "http://service").pathname;
  const step = /^\/steps\/([a-z]+)/.exec(path)?.[1];
  return step ? `step ${step}` : "push receive";
}
