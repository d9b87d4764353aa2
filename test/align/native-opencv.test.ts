// The native OpenCV addon (native/*.cc via core/align/opencv.ts) against the opencv-python-headless wheel
// (tools/python/align_warp_oracle.py): AKAZE keypoints and descriptors bit for bit, Hamming kNN by brute force in JS,
// and arguments that are wrong fail with an error naming them instead of reading out of bounds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openCv } from "../../core/align/index.js";
import type { Gray8 } from "../../core/image/gray.js";
import { stepAbout } from "../../core/sample/index.js";
import { runPythonJson } from "../support/python.js";
import { tissueSlice } from "./fixtures.js";

interface OracleAkaze {
  cv2: string;
  count: number;
  descriptorBytes: number;
  x: Float32Array;
  y: Float32Array;
  response: Float32Array;
  descriptors: Uint8Array;
}

async function oracleAkaze(img: Gray8, threshold: number): Promise<OracleAkaze> {
  const dir = mkdtempSync(path.join(tmpdir(), "emingest-akaze-"));
  try {
    const input = path.join(dir, "in.raw");
    const output = path.join(dir, "out.bin");
    writeFileSync(input, img.data);
    const head = await runPythonJson<{ cv2: string; count: number; descriptorBytes: number }>("align_warp_oracle.py", [
      "akaze", input, String(img.width), String(img.height), output, String(threshold),
    ]);
    const bytes = readFileSync(output);
    const n = head.count;
    const xyr = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 12 * n));
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    const response = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = xyr[3 * i];
      y[i] = xyr[3 * i + 1];
      response[i] = xyr[3 * i + 2];
    }
    const descriptors = new Uint8Array(bytes.subarray(12 * n));
    return { ...head, x, y, response, descriptors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const img = tissueSlice(512, 4, stepAbout(255.5, 255.5, 0.02, 1, 0, 2, -1));

test("native AKAZE gives the wheel's keypoints and descriptors (same OpenCV 4.12.0)", async () => {
  const ours = openCv().akaze(img.data, img.width, img.height, 0.001);
  const theirs = await oracleAkaze(img, 0.001);
  assert.equal(theirs.cv2, "4.12.0");
  console.log(`akaze 512^2: ${ours.x.length} keypoints (wheel ${theirs.count}), ${ours.descriptorBytes} bytes each`);
  assert.ok(theirs.count > 200, `too few keypoints for a meaningful comparison: ${theirs.count}`);
  assert.equal(ours.x.length, theirs.count);
  assert.equal(ours.descriptorBytes, theirs.descriptorBytes);
  // Same source, same CPU dispatch on the same machine: bit for bit, floats included.
  assert.deepEqual(ours.x, theirs.x);
  assert.deepEqual(ours.y, theirs.y);
  assert.deepEqual(ours.response, theirs.response);
  assert.deepEqual(ours.descriptors, theirs.descriptors);
});

test("native AKAZE on a flat image finds nothing", () => {
  const flat = new Uint8Array(256 * 256).fill(128);
  const r = openCv().akaze(flat, 256, 256, 0.001);
  assert.equal(r.x.length, 0);
  assert.equal(r.descriptors.length, 0);
});

function hamming(a: Uint8Array, i: number, b: Uint8Array, j: number, bytes: number): number {
  let d = 0;
  for (let k = 0; k < bytes; k++) {
    let v = a[i * bytes + k] ^ b[j * bytes + k];
    while (v) {
      d += v & 1;
      v >>= 1;
    }
  }
  return d;
}

test("knnMatch2: the two nearest train descriptors by Hamming distance, as brute force finds them", () => {
  const feats = openCv().akaze(img.data, img.width, img.height, 0.001);
  const bytes = feats.descriptorBytes;
  const nq = 60;
  const nt = 200;
  const query = feats.descriptors.slice(0, nq * bytes);
  // Train: the next keypoints, with the query's own descriptors (one bit flipped) hidden among them.
  const train = feats.descriptors.slice(nq * bytes, (nq + nt) * bytes);
  for (let i = 0; i < 20; i++) {
    train.set(query.subarray(i * bytes, (i + 1) * bytes), (7 * i) * bytes);
    train[7 * i * bytes] ^= 1;
  }
  const knn = openCv().knnMatch2(query, nq, train, nt, bytes);
  assert.equal(knn.trainIdx.length, 2 * nq);
  for (let i = 0; i < nq; i++) {
    const d = Array.from({ length: nt }, (_, j) => hamming(query, i, train, j, bytes));
    const sorted = [...d].sort((a, b) => a - b);
    assert.equal(knn.distance[2 * i], sorted[0], `query ${i} best`);
    assert.equal(knn.distance[2 * i + 1], sorted[1], `query ${i} second`);
    assert.equal(d[knn.trainIdx[2 * i]], sorted[0]);
    assert.equal(d[knn.trainIdx[2 * i + 1]], sorted[1]);
    if (i < 20) assert.deepEqual([knn.trainIdx[2 * i], knn.distance[2 * i]], [7 * i, 1]);
  }
  // One train row: no second neighbour.
  const one = openCv().knnMatch2(query, 2, train, 1, bytes);
  assert.deepEqual(Array.from(one.trainIdx.filter((_, k) => k % 2 === 1)), [-1, -1]);
  assert.deepEqual(Array.from(one.distance.filter((_, k) => k % 2 === 1)), [Infinity, Infinity]);
});

test("wrong arguments throw TypeErrors naming them, before any pixel is read", () => {
  const cv = openCv();
  const px = new Uint8Array(100);
  assert.throws(() => cv.akaze(px, 10, 11, 0.001), { name: "TypeError", message: /akaze: gray has 100 bytes, expected width \* height = 110/ });
  assert.throws(() => cv.akaze(px, 10, 10, 0), { name: "TypeError", message: /threshold must be > 0/ });
  assert.throws(() => cv.akaze(new Float32Array(100) as unknown as Uint8Array, 10, 10, 0.001), { name: "TypeError", message: /gray must be a Uint8Array/ });
  assert.throws(() => cv.akaze(px, 10.5, 10, 0.001), { name: "TypeError", message: /width must be an integer/ });
  assert.throws(() => cv.knnMatch2(px, 3, px, 2, 61), { name: "TypeError", message: /knnMatch2: query is shorter than count \* bytes/ });
  assert.throws(() => cv.warpAffine(px, 10, 10, new Float64Array(5), 4, 4), { name: "TypeError", message: /map must be a Float64Array of 6/ });
  assert.throws(() => cv.warpAffine(px, 10, 10, new Float64Array(6), 0, 4), { name: "TypeError", message: /outWidth and outHeight must be positive/ });
  assert.throws(() => cv.clahe(px, 10, 10, 0, 8, 8), { name: "TypeError", message: /clipLimit must be > 0/ });
  assert.throws(() => (cv.clahe as (...a: unknown[]) => unknown)(px, 10, 10), { name: "TypeError", message: /clahe: expected 6 arguments/ });
});
