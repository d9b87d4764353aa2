import { test } from "node:test";
import assert from "node:assert/strict";
import * as core from "../../core/index.js";

test("the core's value exports are pinned", () => {
  assert.deepEqual(Object.keys(core).sort(), [
    "DEFAULT_CONFIG",
    "IDENTITY",
    "IMAGE_EXTENSIONS",
    "PIPELINE",
    "PermanentError",
    "RetryableError",
    "RunFailedError",
    "STAGES",
    "apply",
    "compose",
    "corners",
    "createTaskRouter",
    "decodeSlice",
    "enumerateSlices",
    "errorMessage",
    "failureKind",
    "finalizeRun",
    "generateSampleStack",
    "gray8",
    "invert",
    "isGray16",
    "keys",
    "mergeRunPatch",
    "orderSlices",
    "parseIngestConfig",
    "planRun",
    "probeSlice",
    "readManifest",
    "runId",
    "runIngest",
    "silentProgress",
    "task",
    "translation",
    "validatePattern",
    "volumeTargets",
  ]);
});
