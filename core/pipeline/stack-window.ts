// The stack-wide 16-bit window (config.window16Scope "stack"): the config's percentiles of all pixels of up
// to 64 evenly spaced slices (indices floor(i * (n - 1) / 63), i = 0..63: the first and the last always,
// every slice of a stack of 64 or fewer), decoded and downsampled exactly as the pipeline reads them. One
// window for every slice keeps contrast from jumping between slices (stripes in xz and yz views); the
// estimate is deterministic, so every task and a rerun agree. Computed once, at enumerate.
import { addToHistogram16, boundsFromHistogram } from "../align/index.js";
import type { IngestConfig } from "../config.js";
import { isGray16 } from "../image/decode.js";
import type { ObjectStore } from "../ports.js";
import type { SliceRef } from "../slices/listing.js";
import { loadDownsampled } from "./load-slice.js";

export const STACK_WINDOW_SLICES = 64;

/** Indices of the slices the window is estimated from, ascending and distinct. */
export function stackWindowSample(count: number): number[] {
  const picks = new Set<number>();
  for (let i = 0; i < STACK_WINDOW_SLICES; i++) picks.add(Math.floor((i * (count - 1)) / (STACK_WINDOW_SLICES - 1)));
  return [...picks].filter((k) => k < count);
}

export async function stackWindow(
  source: ObjectStore,
  sourceName: string,
  slices: readonly SliceRef[],
  config: IngestConfig,
  width: number,
  height: number,
): Promise<[number, number]> {
  const hist = new Float64Array(65536);
  let pixels = 0;
  // One slice at a time: a 16k^2 16-bit slice is 512 MiB decoded.
  for (const k of stackWindowSample(slices.length)) {
    const { image } = await loadDownsampled(source, `${sourceName}/${slices[k].key}`, slices[k].key, config, width, height);
    if (!isGray16(image)) continue;
    addToHistogram16(hist, image);
    pixels += image.data.length;
  }
  const [low, high] = config.window16;
  return boundsFromHistogram(hist, pixels, low, high);
}
