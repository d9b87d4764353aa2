// Reads one slice as the pipeline sees it: decoded, downsampled by the config's factor, 16-bit windowed to 8
// (by the stack's window when the manifest has one, else by the slice's own percentiles), with the version
// tag of the bytes it decoded (source-versions.ts versionTag).
// A slice is read twice in a run, by its features task and by its render task (and once more for the
// report's reslices); the plan step keeps the tag each features task read (RunPlan.sliceVersions), and the
// later readers pass it as `expected`: a slice rewritten in between (a microscope's software still saving
// into the folder, a corrected slice uploaded during the run) stops the run, naming the slice, before its
// other bytes reach the volume, which would otherwise be aligned by one version and show the other.
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
import { versionTag } from "./source-versions.js";

export interface LoadedSlice {
  image: Gray8;
  /** versionTag of the bytes decoded. */
  tag: string;
}

/** `expected`: the tag an earlier reader of this run read; other bytes now are a PermanentError naming the slice. */
export async function loadSlice(deps: TaskDeps, manifest: RunManifest, z: number, expected?: string | null): Promise<LoadedSlice> {
  const slice = sliceAt(manifest, z);
  const probe = deps.probe ?? NO_PROBE;
  const name = `${deps.sourceName}/${slice.key}`;
  const { image, tag } = await loadDownsampled(deps.source, name, slice.key, manifest.config, manifest.sourceWidth, manifest.sourceHeight, probe, expected);
  return { image: windowed(image, manifest, probe), tag };
}

/** 16-bit to 8: by the stack's window when the manifest has one, else by the slice's own percentiles. */
function windowed(image: Gray8 | Gray16, manifest: RunManifest, probe: Probe): Gray8 {
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
  expected?: string | null,
): Promise<{ image: Gray8 | Gray16; tag: string }> {
  const read = await source.getVersioned(key);
  if (!read) throw new PermanentError(`${name}: missing (it was listed when the run started)`);
  const tag = versionTag(read.version);
  if (expected && tag !== expected) {
    throw new PermanentError(
      `${name}: changed during the run (its features were found from other bytes than are there now); going on would ` +
        `align one version of the slice and show another. Once the slices are final, start again into an empty output`,
    );
  }
  const image = await probe.step("decode", () => decodeSlice(read.bytes, name, config.maxPixels));
  if (image.width !== width || image.height !== height) {
    throw new PermanentError(`${name}: is ${image.width}x${image.height}, the run expects ${width}x${height}`);
  }
  return { image: downsampled(image, config.downsample, probe), tag };
}

function downsampled(image: Gray8 | Gray16, f: number, probe: Probe): Gray8 | Gray16 {
  if (f === 1) return image;
  if (isGray16(image)) return probe.stepSync("downsample", () => boxDownsample2d(image.data, image.width, image.height, f, (n) => new Uint16Array(n)));
  return probe.stepSync("downsample", () => boxDownsample2d(image.data, image.width, image.height, f, (n) => new Uint8Array(n)));
}
