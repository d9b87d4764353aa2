// The services' bench probe (cloud-runtime/service-probe.ts): requests one at a time, CPU charged to the
// task's stage and its steps, the totals written as JSON; on only when the configuration names a file.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { serviceConfigFromEnv } from "../../cloud-runtime/service-deps.js";
import { ServiceProbe } from "../../cloud-runtime/service-probe.js";
import type { TaskRouter } from "../../core/pipeline/task-router.js";
import type { TaskMessage } from "../../core/ports.js";
import { MemoryStore } from "../support/memory-store.js";
import { MemoryRunStore } from "../support/memory-run-store.js";
import { envelope, listen, post } from "./support/pipeline.js";

const ENV = { GOOGLE_CLOUD_PROJECT: "p", SOURCE_BUCKETS: "src", OUTPUT_BUCKET: "out" };

test("the probe is on only when EMINGEST_PROBE_FILE names a file", () => {
  assert.equal(serviceConfigFromEnv(ENV).probeFile, undefined);
  assert.equal(serviceConfigFromEnv({ ...ENV, EMINGEST_PROBE_FILE: "/tmp/x.json" }).probeFile, "/tmp/x.json");
  // Deployed on Cloud Run, the one-request-at-a-time probe is refused in one line.
  assert.throws(() => serviceConfigFromEnv({ ...ENV, EMINGEST_PROBE_FILE: "/tmp/x.json", K_SERVICE: "emingest-align" }), /EMINGEST_PROBE_FILE is a bench setting .* Cloud Run service emingest-align/);
});

/** Busy-waits until this process has used `ms` more of CPU time, so the clock has something known to charge. */
function spin(ms: number): void {
  const start = process.cpuUsage();
  const used = () => {
    const u = process.cpuUsage(start);
    return (u.user + u.system) / 1000;
  };
  while (used() < ms) Math.sqrt(Math.random());
}

test("requests run one at a time, each task charged to its stage, its steps and its store calls", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "probe-"));
  try {
    const probe = new ServiceProbe(path.join(dir, "probe.json"));
    const deps = probe.stepDeps({ source: new MemoryStore(), out: new MemoryStore(), sourceName: "src", runs: new MemoryRunStore() });
    await deps.source.put("img0.png", new Uint8Array(10));
    const events: string[] = [];
    const route: TaskRouter = async (task: TaskMessage) => {
      events.push(`start ${task.id}`);
      await deps.source.get("img0.png");
      await deps.probe!.step("warp", async () => spin(30));
      await new Promise((resolve) => setTimeout(resolve, 20));
      spin(30);
      events.push(`end ${task.id}`);
      return null;
    };
    const router = probe.router(route);
    const app = probe.serialize((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const message = (JSON.parse(body) as { message: { data: string } }).message;
        void router(JSON.parse(Buffer.from(message.data, "base64").toString()) as TaskMessage).then(() => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end("{}");
        });
      });
    });
    const server = await listen(app);
    try {
      const tasks = ["render-0", "render-1", "render-2"].map((id) => ({ id, run: "run-1", stage: "render" }));
      await Promise.all(tasks.map((t, i) => post(`${server.url}/`, envelope(t, String(i)))));
    } finally {
      await server.close();
    }
    // Each task ended before the next one started: the server ran them one at a time.
    assert.deepEqual(events, ["start render-0", "end render-0", "start render-1", "end render-1", "start render-2", "end render-2"]);
    probe.write();
    const written = JSON.parse(readFileSync(path.join(dir, "probe.json"), "utf8")) as { cpu: Record<string, Record<string, number>>; gc: Record<string, number> };
    const totals = written.cpu;
    assert.ok(Object.values(written.gc).every((s) => typeof s === "number" && s >= 0), JSON.stringify(written.gc));
    // Outside the router (the response) is the stage's "other".
    assert.deepEqual(Object.keys(totals.render).filter((k) => k !== "other").sort(), ["render (rest)", "slice read", "warp"]);
    // 3 x 30 ms of process CPU spent inside each of the two steps: at least that much is charged to each.
    assert.ok(totals.render.warp >= 0.09, `warp ${totals.render.warp} CPU-s`);
    assert.ok(totals.render["render (rest)"] >= 0.09, `rest ${totals.render["render (rest)"]} CPU-s`);
    assert.ok("push receive" in totals && "between requests" in totals, Object.keys(totals).join(", "));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
