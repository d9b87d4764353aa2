// Which bucket errors are permanent, without a network: the GCS adapter over a stand-in client that throws the
// storage client's own error shapes (ApiError with `code`, GaxiosError-like with `status`, errno errors), the
// directory adapter over a temporary folder, and what the job and the HTTP surface make of each.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { ApiError, type Storage } from "@google-cloud/storage";
import { bucketFault, gcsBucketIO, type GcsOperation } from "../../adapters/gcp/gcs-bucket-io.js";
import { dirBucketIO, errnoFault } from "../../adapters/local/dir-bucket-io.js";
import { failureKind, RetryableError } from "../../core/errors.js";
import { BucketAccessError, type BucketFault } from "../../core/fiji/bucket-error.js";
import { FijiBucketError, FijiInputError, runFijiJob, type BucketIO, type ScratchDir } from "../../core/fiji/job.js";
import { parseFijiRequest } from "../../core/fiji/request.js";
import { silentLogger } from "../../cloud-runtime/log.js";
import { createFijiApp } from "../../services/fiji/app.js";
import { listen, post } from "./support/imagej.js";
import { scratchFile } from "./support/scratch-fakes.js";

const apiError = (code: number, message: string, reason?: string) => Object.assign(new ApiError(message), { code, errors: reason ? [{ reason, message }] : [] });
/** What a resumable upload throws: gaxios puts the status in `status` and `response.status`, not in `code`. */
const gaxiosError = (status: number) => Object.assign(new Error(`Request failed with status code ${status}`), { status, response: { status } });
const errnoError = (code: string) => Object.assign(new Error(`${code}: socket trouble`), { code });

const MISSING_BUCKET = apiError(404, "The specified bucket does not exist.", "notFound");
const MISSING_OBJECT = apiError(404, "No such object: b/o", "notFound");
const BARE_404 = apiError(404, "Not Found\n");
const FORBIDDEN = apiError(403, "svc@p.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.", "forbidden");
const TRANSIENT = [apiError(500, "Internal Error", "backendError"), apiError(503, "Service Unavailable"), apiError(429, "The rate of change requests to the object is too high.", "rateLimitExceeded"), apiError(403, "Rate Limit Exceeded", "userRateLimitExceeded"), apiError(401, "Invalid Credentials", "authError"), gaxiosError(502), errnoError("ECONNRESET"), errnoError("ETIMEDOUT")];

test("bucketFault: 404 bucket and 403 are permanent; 404 object, 5xx, 429, 401 and resets are not bucket faults", () => {
  const table: Array<[unknown, GcsOperation, BucketFault | undefined]> = [
    [MISSING_BUCKET, "read", "bucket-not-found"],
    [MISSING_BUCKET, "write", "bucket-not-found"],
    [MISSING_OBJECT, "read", undefined],
    [BARE_404, "read", undefined],
    [BARE_404, "write", "bucket-not-found"],
    [BARE_404, "list", "bucket-not-found"],
    [gaxiosError(404), "write", "bucket-not-found"],
    [FORBIDDEN, "read", "bucket-forbidden"],
    [FORBIDDEN, "write", "bucket-forbidden"],
    [FORBIDDEN, "list", "bucket-forbidden"],
    [gaxiosError(403), "write", "bucket-forbidden"],
    ...TRANSIENT.flatMap((e): Array<[unknown, GcsOperation, undefined]> => [[e, "read", undefined], [e, "write", undefined], [e, "list", undefined]]),
    ["a string", "write", undefined],
    [undefined, "read", undefined],
  ];
  for (const [error, op, expected] of table) assert.equal(bucketFault(error, op), expected, `${op}: ${String((error as Error)?.message ?? error)}`);
});

interface FakeGcs {
  download?: () => Promise<[Buffer]>;
  save?: () => Promise<void>;
  getFiles?: (query: unknown, bucket: string) => Promise<[unknown[]]>;
}

/** The few calls GcsStore and gcsBucketIO make, answering as `fake` says. */
function fakeStorage(fake: FakeGcs): Storage {
  const never = () => Promise.reject(new Error("not expected in this test"));
  const getFiles = fake.getFiles ?? never;
  return {
    bucket: (name: string) => ({ name, file: () => ({ download: fake.download ?? never, save: fake.save ?? never }), getFiles: (query: unknown) => getFiles(query, name) }),
  } as unknown as Storage;
}

const ref = { bucket: "bkt", object: "in/a.png" };
const isFault = (fault: BucketFault, operation: "read" | "write", cause: unknown) => (e: unknown) =>
  e instanceof BucketAccessError && e.fault === fault && e.operation === operation && e.cause === cause && e.message.includes('bucket "bkt"') && e.message.includes("gs://bkt/in/a.png");

test("gcsBucketIO.get: a missing object is undefined; a missing bucket (said, or found by listing) and 403 throw BucketAccessError; transient errors pass unchanged", async () => {
  assert.deepEqual(await gcsBucketIO(fakeStorage({ download: async () => [Buffer.from([7])] })).get(ref), new Uint8Array([7]));
  const listed = fakeStorage({ download: () => Promise.reject(BARE_404), getFiles: async () => [[]] });
  assert.equal(await gcsBucketIO(listed).get(ref), undefined, "the bucket lists: the object is what is missing");
  const unlisted = fakeStorage({ download: () => Promise.reject(BARE_404), getFiles: () => Promise.reject(BARE_404) });
  await assert.rejects(gcsBucketIO(unlisted).get(ref), isFault("bucket-not-found", "read", BARE_404));
  const listForbidden = fakeStorage({ download: () => Promise.reject(MISSING_OBJECT), getFiles: () => Promise.reject(FORBIDDEN) });
  assert.equal(await gcsBucketIO(listForbidden).get(ref), undefined, "a listing we may not make leaves the object missing");
  const listFlaky = fakeStorage({ download: () => Promise.reject(MISSING_OBJECT), getFiles: () => Promise.reject(apiError(503, "Service Unavailable")) });
  assert.equal(await gcsBucketIO(listFlaky).get(ref), undefined);
  await assert.rejects(gcsBucketIO(fakeStorage({ download: () => Promise.reject(FORBIDDEN) })).get(ref), isFault("bucket-forbidden", "read", FORBIDDEN));
  for (const error of TRANSIENT) {
    await assert.rejects(gcsBucketIO(fakeStorage({ download: () => Promise.reject(error) })).get(ref), (e: unknown) => e === error);
  }
});

test("gcsBucketIO.put: 404 (ApiError or resumable GaxiosError) is a missing bucket, 403 forbidden; transient errors pass unchanged", async () => {
  const put = (error: unknown) => gcsBucketIO(fakeStorage({ save: () => Promise.reject(error) })).put(ref, new Uint8Array([1]), "image/png");
  await assert.rejects(put(BARE_404), isFault("bucket-not-found", "write", BARE_404));
  const resumable = gaxiosError(404);
  await assert.rejects(put(resumable), isFault("bucket-not-found", "write", resumable));
  await assert.rejects(put(FORBIDDEN), isFault("bucket-forbidden", "write", FORBIDDEN));
  const message = (pattern: RegExp) => (e: unknown) => pattern.test((e as Error).message);
  await assert.rejects(put(FORBIDDEN), message(/^writing gs:\/\/bkt\/in\/a\.png: bucket "bkt" is not accessible to this service \(permission denied\) \(403 svc@/));
  await assert.rejects(put(BARE_404), message(/^writing gs:\/\/bkt\/in\/a\.png: bucket "bkt" does not exist \(404 Not Found\)$/));
  for (const error of TRANSIENT) await assert.rejects(put(error), (e: unknown) => e === error);
});

test("gcsBucketIO.probe: one listing of at most one object under the name; 404 is a missing bucket; 403 passes (objectCreator may write but not list); transient errors pass unchanged", async () => {
  const queries: unknown[] = [];
  const lists = fakeStorage({ getFiles: async (query, bucket) => (queries.push({ bucket, query }), [[]]) });
  assert.equal(await gcsBucketIO(lists).probe(ref), undefined);
  assert.deepEqual(queries, [{ bucket: "bkt", query: { prefix: "in/a.png", maxResults: 1, autoPaginate: false } }]);
  const probe = (error: unknown) => gcsBucketIO(fakeStorage({ getFiles: () => Promise.reject(error) })).probe(ref);
  await assert.rejects(probe(BARE_404), isFault("bucket-not-found", "write", BARE_404));
  await assert.rejects(probe(MISSING_BUCKET), isFault("bucket-not-found", "write", MISSING_BUCKET));
  assert.equal(await probe(FORBIDDEN), undefined, "a listing refused says nothing about writing: the upload decides");
  await assert.rejects(probe(BARE_404), (e: unknown) => (e as Error).message === 'writing gs://bkt/in/a.png: bucket "bkt" does not exist (404 Not Found)');
  // 503 and ECONNRESET among them: the job must be able to retry these.
  for (const error of TRANSIENT) await assert.rejects(probe(error), (e: unknown) => e === error);
});

test("dirBucketIO.probe: the bucket folder must exist and be a folder; the probe creates nothing", async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), "fiji-dir-probe-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, "bkt"));
  writeFileSync(path.join(root, "file-bkt"), "not a folder");
  const io = dirBucketIO(root);
  assert.equal(await io.probe(ref), undefined, "an existing (even empty) folder");
  const notFound = (bucket: string, detail: RegExp) => (e: unknown) =>
    e instanceof BucketAccessError && e.fault === "bucket-not-found" && e.operation === "write" && e.ref.bucket === bucket && detail.test(e.message);
  await assert.rejects(io.probe({ bucket: "gone", object: "o.png" }), notFound("gone", /ENOENT/));
  assert.equal(existsSync(path.join(root, "gone")), false);
  await assert.rejects(io.probe({ bucket: "file-bkt", object: "o.png" }), notFound("file-bkt", /file-bkt is not a folder/));
  // A file where the root should be: stat of ROOT/BUCKET fails with ENOTDIR.
  await assert.rejects(dirBucketIO(path.join(root, "file-bkt")).probe(ref), notFound("bkt", /ENOTDIR/));
});

test("dirBucketIO: a bucket is a folder that must exist; a write does not create it", async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), "fiji-dir-io-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, "bkt"));
  const io = dirBucketIO(root);
  assert.equal(await io.get(ref), undefined, "bucket present, object missing");
  await io.put(ref, new Uint8Array([1, 2]), "image/png");
  assert.deepEqual([...readFileSync(path.join(root, "bkt", "in", "a.png"))], [1, 2]);
  assert.deepEqual([...((await io.get(ref)) ?? [])], [1, 2]);
  const gone = { bucket: "gone", object: "o.png" };
  await assert.rejects(io.get(gone), (e: unknown) => e instanceof BucketAccessError && e.fault === "bucket-not-found" && e.operation === "read");
  await assert.rejects(io.put(gone, new Uint8Array([1]), "image/png"), (e: unknown) => e instanceof BucketAccessError && e.fault === "bucket-not-found" && /^writing gs:\/\/gone\/o\.png: bucket "gone" does not exist/.test(e.message));
  assert.equal(existsSync(path.join(root, "gone")), false);
});

test("dirBucketIO: EACCES/EPERM are a forbidden bucket; ENOENT/ENOTDIR a missing one only for the bucket folder itself", () => {
  // Tests run as root in CI, where no folder is ever closed to the process: the errno rule is checked directly.
  const errno = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(errnoFault(errno("EACCES"), false), "bucket-forbidden");
  assert.equal(errnoFault(errno("EPERM"), true), "bucket-forbidden");
  assert.equal(errnoFault(errno("ENOENT"), true), "bucket-not-found");
  assert.equal(errnoFault(errno("ENOTDIR"), true), "bucket-not-found");
  assert.equal(errnoFault(errno("ENOENT"), false), undefined);
  for (const code of ["EIO", "ENOSPC", "EMFILE"]) assert.equal(errnoFault(errno(code), true), undefined, code);
  assert.equal(errnoFault(new Error("no code"), true), undefined);
});

const policy = { buckets: ["bkt", "out-bkt", "out-2"], executables: { fiji: "/opt/Fiji.app/ImageJ-linux64" } };
const body = { command: "fiji m", "input-str": { m: "x" }, "input-map": { "in.png": "gs://bkt/in/a.png" }, "output-map": { "out.png": "gs://out-bkt/res/a.png" } };

/** A scratch directory whose command writes every mapped output name the test uses. */
function scratch(calls: string[]): ScratchDir {
  const files = new Map<string, Uint8Array>();
  return {
    path: "/scratch/x",
    write: async (name, bytes) => void files.set(name, bytes),
    read: async (name) => scratchFile(files.get(name)),
    exec: async () => {
      calls.push("exec");
      for (const name of ["out.png", "b.png", "c.png"]) files.set(name, new Uint8Array([9]));
      return { exitCode: 0, signal: null, timedOut: false, stdout: "", stderr: "", stdoutTruncated: false, stderrTruncated: false };
    },
    remove: async () => undefined,
  };
}

/**
 * An io whose reads, output-bucket probes and writes fail as the GCS client would; `calls` logs them and the
 * command in order. `bkt` is listed only by a read after a bare 404, and then does not exist.
 */
function jobDeps(readError?: unknown, writeError?: unknown, probeError?: unknown) {
  const calls: string[] = [];
  const io: BucketIO = gcsBucketIO(
    fakeStorage({
      download: () => (calls.push("download"), readError ? Promise.reject(readError) : Promise.resolve([Buffer.from([1])])),
      save: () => (calls.push("save"), writeError ? Promise.reject(writeError) : Promise.resolve()),
      getFiles: (query, bucket) => {
        if (bucket === "bkt") return Promise.reject(BARE_404);
        calls.push(`list ${bucket} ${(query as { prefix: string }).prefix}`);
        return probeError ? Promise.reject(probeError) : Promise.resolve([[]]);
      },
    }),
  );
  return { io, sandbox: { create: async () => scratch(calls) }, downsample: async (b: Uint8Array) => b, calls };
}

test("the job: a bucket fault is permanent and names its map entry; a transient one is retryable", async () => {
  const request = parseFijiRequest(body, policy);
  const permanent = (field: string, fault: BucketFault, bucket: string, object: string) => (e: unknown) =>
    e instanceof FijiBucketError && failureKind(e) === "permanent" && e.field === field && e.fault === fault && e.ref.bucket === bucket && e.ref.object === object && e.message.startsWith(`${field}: `) && e.message.includes(`bucket "${bucket}"`);
  await assert.rejects(runFijiJob(request, jobDeps(undefined, BARE_404)), permanent("output-map.out.png", "bucket-not-found", "out-bkt", "res/a.png"));
  await assert.rejects(runFijiJob(request, jobDeps(undefined, FORBIDDEN)), permanent("output-map.out.png", "bucket-forbidden", "out-bkt", "res/a.png"));
  await assert.rejects(runFijiJob(request, jobDeps(BARE_404)), permanent("input-map.in.png", "bucket-not-found", "bkt", "in/a.png"));
  await assert.rejects(runFijiJob(request, jobDeps(FORBIDDEN)), permanent("input-map.in.png", "bucket-forbidden", "bkt", "in/a.png"));
  const objectOnly = { ...jobDeps(MISSING_OBJECT), io: gcsBucketIO(fakeStorage({ download: () => Promise.reject(MISSING_OBJECT), getFiles: async () => [[]] })) };
  await assert.rejects(runFijiJob(request, objectOnly), (e: unknown) => e instanceof FijiInputError && e.field === "input-map.in.png" && /gs:\/\/bkt\/in\/a\.png does not exist/.test(e.message));
  for (const error of TRANSIENT) {
    for (const deps of [jobDeps(error), jobDeps(undefined, error)]) {
      await assert.rejects(runFijiJob(request, deps), (e: unknown) => e instanceof RetryableError && failureKind(e) === "retryable" && e.cause === error);
    }
  }
});

test("the job: output buckets are probed once each, after the inputs and before the command; a bad one fails the job with the upload's own error, and the command never runs", async () => {
  const three = parseFijiRequest({ ...body, "output-map": { "out.png": "gs://out-bkt/res/a.png", "b.png": "gs://out-bkt/res/b.png", "c.png": "gs://out-2/res/c.png" } }, policy);
  const ok = jobDeps();
  assert.deepEqual(Object.keys((await runFijiJob(three, ok)).outputs), ["out.png", "b.png", "c.png"]);
  assert.deepEqual(ok.calls, ["download", "list out-bkt res/a.png", "list out-2 res/c.png", "exec", "save", "save", "save"]);
  const request = parseFijiRequest(body, policy);
  const failure = async (deps: ReturnType<typeof jobDeps>) => {
    const error = await runFijiJob(request, deps).then(() => assert.fail("the job should fail"), (e: unknown) => e);
    return { error, calls: deps.calls };
  };
  // A refused listing is no verdict (objectCreator may write without listing): the command runs and the upload decides.
  const listForbidden = jobDeps(undefined, undefined, FORBIDDEN);
  await runFijiJob(request, listForbidden);
  assert.deepEqual(listForbidden.calls, ["download", "list out-bkt res/a.png", "exec", "save"]);
  for (const fault of [BARE_404, MISSING_BUCKET]) {
    const probed = await failure(jobDeps(undefined, undefined, fault));
    assert.ok(probed.error instanceof FijiBucketError && failureKind(probed.error) === "permanent", String(probed.error));
    assert.deepEqual(probed.calls, ["download", "list out-bkt res/a.png"], "no command, no upload");
    // The same error the upload raises when the bucket goes away while the command runs (that path stays).
    const uploaded = await failure(jobDeps(undefined, fault));
    assert.deepEqual(uploaded.calls, ["download", "list out-bkt res/a.png", "exec", "save"]);
    assert.ok(uploaded.error instanceof FijiBucketError);
    const seen = (e: FijiBucketError) => ({ message: e.message, field: e.field, ref: e.ref, fault: e.fault, operation: (e.cause as BucketAccessError).operation });
    assert.deepEqual(seen(probed.error), seen(uploaded.error));
  }
  for (const error of TRANSIENT) {
    const flaky = await failure(jobDeps(undefined, undefined, error));
    assert.ok(flaky.error instanceof RetryableError && flaky.error.cause === error, String(flaky.error));
    assert.match(flaky.error.message, /^checking the bucket of gs:\/\/out-bkt\/res\/a\.png: /);
    assert.equal(flaky.calls.includes("exec"), false);
  }
});

test("HTTP: a bucket fault is 422 with the field, bucket, object and fault; a transient one is 503", async (t) => {
  const serve = async (deps: ReturnType<typeof jobDeps>) => {
    const server = createServer(createFijiApp({ ...deps, policy, maxJobs: 1, log: silentLogger }));
    t.after(() => server.close());
    return post(await listen(server), body);
  };
  const missingOutput = {
    error: 'output-map.out.png: writing gs://out-bkt/res/a.png: bucket "out-bkt" does not exist (404 Not Found)',
    field: "output-map.out.png",
    bucket: "out-bkt",
    object: "res/a.png",
    fault: "bucket-not-found",
  };
  const probed = jobDeps(undefined, undefined, BARE_404);
  const missing = await serve(probed);
  assert.equal(missing.status, 422);
  assert.deepEqual(missing.body, missingOutput);
  assert.equal(probed.calls.includes("exec"), false, "found by the probe: the command did not run");
  const gone = jobDeps(undefined, BARE_404);
  const goneDuringRun = await serve(gone);
  assert.deepEqual([goneDuringRun.status, goneDuringRun.body], [422, missingOutput], "found at upload: the same answer");
  assert.equal(gone.calls.includes("exec"), true);
  const forbidden = await serve(jobDeps(FORBIDDEN));
  assert.equal(forbidden.status, 422);
  assert.deepEqual({ ...forbidden.body, error: undefined }, { error: undefined, field: "input-map.in.png", bucket: "bkt", object: "in/a.png", fault: "bucket-forbidden" });
  const flakyProbe = jobDeps(undefined, undefined, apiError(503, "Service Unavailable"));
  const flakyProbed = await serve(flakyProbe);
  assert.equal(flakyProbed.status, 503, "a transient probe fault stays retryable");
  assert.match(String(flakyProbed.body.error), /checking the bucket of gs:\/\/out-bkt\/res\/a\.png: Service Unavailable/);
  assert.equal(flakyProbe.calls.includes("exec"), false);
  const flaky = await serve(jobDeps(undefined, apiError(503, "Service Unavailable")));
  assert.equal(flaky.status, 503);
  assert.match(String(flaky.body.error), /uploading out\.png to gs:\/\/out-bkt\/res\/a\.png: Service Unavailable/);
});
