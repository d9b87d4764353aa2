// Reads one slice as the pipeline sees it: decoded, downsampled by the config's factor, 16-bit windowed to 8
// (by the stack's window when the manifest has one, else by the slice's own percentiles).
import { windowBetween, windowTo8 } from "../align/index.js";
import type { IngestConfig } from "../config.js";
import { PermanentError } from "../errors.js";
import { boxDownsample2d } from "../image/box-downsample.js";
import { decodeSlice, isGray16 } from "../image/decode.js";
import type { Gray16, Gray8 } from "../image/gray.js";
import type { ObjectStore } from "../ports.js";
import { NO_PROBE, type Probe } from "../util/probe.js";
import type { TaskDeps } from "./deps.js";
import { sliceAt, type RunManifest } from "./manifest.js";

export async function loadSlice(deps: TaskDeps, manifest: RunManifest, z: number): Promise<Gray8> {
  const slice = sliceAt(manifest, z);
  const probe = deps.probe ?? NO_PROBE;
  const name = `${deps.sourceName}/${slice.key}`;
  const image = await loadDownsampled(deps.source, name, slice.key, manifest.config, manifest.sourceWidth, manifest.sourceHeight, probe);
  if (!isGray16(image)) return image;
  const bounds = manifest.window16Bounds;
  if (bounds) return probe.stepSync("window16", () => windowBetween(image, ...bounds));
  const [low, high] = manifest.config.window16;
  return probe.stepSync("window16", () => windowTo8(image, low, high));
}

/** Decoded and downsampled, before any window; the size is checked against the run's. */
export async function loadDownsampled(
  source: ObjectStore,
  name: string,
  key: string,
  config: IngestConfig,
  width: number,
  height: number,
  probe: Probe = NO_PROBE,
): Promise<Gray8 | Gray16> {
  const bytes = await source.get(key);
  if (!bytes) throw new PermanentError(`${name}: missing (it was listed when the run started)`);
  const image = await probe.step("decode", () => decodeSlice(bytes, name, config.maxPixels));
  if (image.width !== width || image.height !== height) {
    throw new PermanentError(`${name}: is ${image.width}x${image.height}, the run expects ${width}x${height}`);
  }
  const f = config.downsample;
  if (f === 1) return image;
  if (isGray16(image)) return probe.stepSync("downsample", () => boxDownsample2d(image.data, image.width, image.height, f, (n) => new Uint16Array(n)));
  return probe.stepSync("downsample", () => boxDownsample2d(image.data, image.width, image.height, f, (n) => new Uint8Array(n)));
}
