// Binary form of SliceFeatures, so the pipeline stores them as one object per slice.
// Layout, little-endian, version 1:
//   0  "EMFT"            magic
//   4  u16 version = 1
//   6  u8  detector      1 = AKAZE (MLDB binary descriptors, Hamming), 2 = SIFT (128 floats, each an
//                        integer 0..255 stored as one byte: descriptors.ts; L2). Matching refuses two kinds.
//   7  u8  reserved = 0
//   8  u32 width, 12 u32 height (full resolution), 16 u32 factor, 20 u32 count, 24 u32 descriptorBytes
//   28 f32 x[count], f32 y[count], f32 response[count], then u8 descriptors[count * descriptorBytes]
import type { Detector, SliceFeatures } from "./features.js";

const MAGIC = [0x45, 0x4d, 0x46, 0x54]; // "EMFT"
export const FEATURE_CODEC_VERSION = 1;
const HEADER = 28;
const DETECTORS: Record<Detector, number> = { akaze: 1, sift: 2 };

export function encodeFeatures(f: SliceFeatures): Uint8Array {
  const n = f.count;
  const out = new Uint8Array(HEADER + 12 * n + n * f.descriptorBytes);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, FEATURE_CODEC_VERSION, true);
  view.setUint8(6, DETECTORS[f.detector]);
  const header = [f.width, f.height, f.factor, n, f.descriptorBytes];
  header.forEach((v, i) => view.setUint32(8 + 4 * i, v, true));
  let o = HEADER;
  for (const arr of [f.x, f.y, f.response]) {
    for (let i = 0; i < n; i++, o += 4) view.setFloat32(o, arr[i], true);
  }
  out.set(f.descriptors.subarray(0, n * f.descriptorBytes), o);
  return out;
}

export function decodeFeatures(bytes: Uint8Array): SliceFeatures {
  const fail = (why: string): never => {
    throw new RangeError(`decodeFeatures: ${why}`);
  };
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) fail("not an emingest features object (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== FEATURE_CODEC_VERSION) fail(`unsupported version ${version} (this build reads ${FEATURE_CODEC_VERSION})`);
  const detector = (Object.keys(DETECTORS) as Detector[]).find((d) => DETECTORS[d] === view.getUint8(6));
  if (!detector) fail(`unknown detector code ${view.getUint8(6)}`);
  const [width, height, factor, count, descriptorBytes] = [0, 1, 2, 3, 4].map((i) => view.getUint32(8 + 4 * i, true));
  const expected = HEADER + 12 * count + count * descriptorBytes;
  if (bytes.length !== expected) fail(`length ${bytes.length}, header implies ${expected}`);
  const arrays = [new Float32Array(count), new Float32Array(count), new Float32Array(count)];
  let o = HEADER;
  for (const arr of arrays) {
    for (let i = 0; i < count; i++, o += 4) arr[i] = view.getFloat32(o, true);
  }
  return {
    detector: detector as Detector,
    width,
    height,
    factor,
    count,
    x: arrays[0],
    y: arrays[1],
    response: arrays[2],
    descriptorBytes,
    descriptors: bytes.slice(o, o + count * descriptorBytes),
  };
}
