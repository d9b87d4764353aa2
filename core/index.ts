// emingest's pure core: everything the CLI, the Cloud Function and the Cloud Run services call.
// It imports no Google Cloud client, reads no environment and opens no socket (lint-enforced); it talks to
// the three ports of ports.ts. Alignment and the precomputed writer have their own indexes
// (./align/index.js, ./precomputed/index.js) for callers that need their details.

// ports and failures
export { mergeRunPatch, type ObjectStore, type PutOptions, type TaskQueue, type TaskMessage, type RunStore, type RunRecord, type RunPatch, type RunStatus, type TaskRecord } from "./ports.js";
export { PermanentError, RetryableError, failureKind, errorMessage, type FailureKind } from "./errors.js";

// config and input
export { parseIngestConfig, validatePattern, DEFAULT_CONFIG, type IngestConfig, type AlignConfig } from "./config.js";
export { orderSlices, IMAGE_EXTENSIONS, type SliceRef, type ListingOptions } from "./slices/listing.js";
export { decodeSlice, probeSlice, isGray16, type SliceHeader } from "./image/decode.js";
export { gray8, type Gray8, type Gray16 } from "./image/gray.js";
export { IDENTITY, apply, compose, invert, translation, corners, type Affine } from "./geometry/affine.js";

// the pipeline: stages, barrier steps, tasks and keys
export { enumerateSlices } from "./pipeline/enumerate.js";
export { createTaskRouter } from "./pipeline/task-router.js";
export { planRun } from "./pipeline/plan.js";
export { finalizeRun } from "./pipeline/finalize.js";
export type { RunDetails, RunSummary, Substitution } from "./run-details.js";
export { runIngest, type IngestOptions, type IngestResult } from "./pipeline/sequence.js";
export { RunFailedError } from "./pipeline/stage-steps.js";
export { PIPELINE, STAGES, type StepSpec, type FanOutSpec, type BarrierSpec, type FanOutStage } from "./pipeline/stages.js";
export { task, type PipelineTask, type FeaturesTask, type AlignTask, type RenderTask, type PyramidTask } from "./pipeline/tasks.js";
export { keys } from "./pipeline/keys.js";
export { runId, readManifest, type RunManifest } from "./pipeline/manifest.js";
export { volumeTargets, type RunPlan } from "./pipeline/run-plan.js";
export type { PixelBox } from "./geometry/pixel-box.js";
export { silentProgress, type StageRunner, type ProgressSink, type FailedTask } from "./pipeline/stage-runner.js";
export type { TaskDeps, StepDeps } from "./pipeline/deps.js";

// the synthetic sample stack
export { generateSampleStack, type SampleOptions, type SampleStack } from "./sample/index.js";
