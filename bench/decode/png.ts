// bench/decode: CPU ms per slice of decodeSlice (the native grayscale PNG decoder, core/image/png-gray.ts)
// against decodeWithSharp (sharp/libvips, the path it replaces for those files), on the same PNG files,
// alternating the two in --reps rounds within one process so both see the same machine load.
//
//   node dist/bench/decode/png.js DIR [--slices 8] [--reps 4]
//
// Also checks that both give the same pixels for every file (the differential test is
// test/image/png-gray.test.ts; this only guards the numbers).
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { decodeSlice, decodeWithSharp } from "../../core/image/decode.js";

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) throw new Error("usage: node dist/bench/decode/png.js DIR [--slices 8] [--reps 4]");
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const slices = flag("--slices", 8);
const reps = flag("--reps", 4);
// One libvips thread, as one task per worker thread runs in the pipeline.
sharp.concurrency(1);

const names = (await readdir(dir)).filter((f) => f.endsWith(".png")).sort().slice(0, slices);
const files = await Promise.all(names.map((f) => readFile(path.join(dir, f))));
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
type Decode = typeof decodeSlice;
async function perSlice(decode: Decode): Promise<number> {
  const t0 = cpuMs();
  for (const [i, bytes] of files.entries()) await decode(bytes, names[i], 2 ** 31);
  return (cpuMs() - t0) / files.length;
}
for (const [i, bytes] of files.entries()) {
  const [a, b] = [await decodeSlice(bytes, names[i], 2 ** 31), await decodeWithSharp(bytes, names[i], 2 ** 31)];
  if (a.width !== b.width || a.height !== b.height || Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)) !== 0) {
    throw new Error(`${names[i]}: the native decoder's pixels differ from sharp's`);
  }
}
await perSlice(decodeWithSharp);
for (let r = 0; r < reps; r++) {
  const shown = await perSlice(decodeWithSharp);
  const native = await perSlice(decodeSlice);
  const load = (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");
  console.log(`round ${r + 1}: sharp ${shown.toFixed(1)} ms/slice, native ${native.toFixed(1)} ms/slice, native/sharp ${(native / shown).toFixed(2)} (load ${load})`);
}
