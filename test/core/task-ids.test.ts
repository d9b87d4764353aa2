// Task ids: one format (core/pipeline/tasks.ts), one parse function, round-tripping exactly; a message is the
// task its id names or a ForeignTaskError that says which field differs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalTask, ForeignTaskError, parseTaskId, sliceOf, task, taskId } from "../../core/pipeline/tasks.js";

test("every id the pipeline makes parses back to what it names, and only canonical ids parse", () => {
  const made = [task.features("r", 0), task.align("r", 7), task.bridge("r", 3, 5), task.render("r", 9007199254740991), task.pyramid("r", [0, 12, 3])];
  assert.deepEqual(made.map((t) => t.id), ["features-0", "align-7", "bridge-3-5", "render-9007199254740991", "pyramid-0_12_3"]);
  for (const t of made) {
    const key = parseTaskId(t.id);
    assert.ok(key, t.id);
    assert.equal(taskId(key), t.id);
    assert.deepEqual(canonicalTask(t), t);
  }
  for (const id of ["features-01", "features-+1", "features--1", "features-1e0", "features-1.5", "features-", "features-9007199254740992", "bridge-3", "bridge-3-", "pyramid-1_2", "pyramid-1_2_3_4", "render-1 ", "Render-1", "fiji-007-abc"]) {
    assert.equal(parseTaskId(id), undefined, id);
  }
  // The slice of a slice stage's id, through the same parse (finalize.ts, source-versions.ts read ids this way).
  assert.deepEqual(["features-0", "align-7", "render-12"].map(sliceOf), [0, 7, 12]);
  for (const id of ["bridge-3-5", "pyramid-0_12_3", "align-07", "align-x"]) assert.throws(() => sliceOf(id), /not the id of a slice task/, id);
});

test("a message that is not exactly the task its id names is refused, naming the field", () => {
  const refused = (message: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => canonicalTask({ run: "r", ...message } as never), (e: unknown) => e instanceof ForeignTaskError && pattern.test(e.message));
  refused({ id: "features-1", stage: "features", z: 2 }, /"z" is 2, the id says 1/);
  refused({ id: "features-1", stage: "features", z: "1" }, /"z" is "1", the id says 1/);
  refused({ id: "features-1", stage: "render", z: 1 }, /"stage" is "render", the id says "features"/);
  refused({ id: "features-1", stage: "features", z: 1, extra: true }, /unexpected field\(s\) "extra"/);
  refused({ id: "bridge-3-5", stage: "bridge", z: 5 }, /"from" is undefined, the id says 3/);
  refused({ id: "pyramid-0_0_0", stage: "pyramid", cube: [0, 0] }, /"cube" is \[0,0\], the id says \[0,0,0\]/);
  refused({ id: "warp-1", stage: "warp", z: 1 }, /not a task id/);
});
