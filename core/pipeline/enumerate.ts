// Enumerate, before any stage (stages.ts): list the slices, check every header (readable, one size, 8/16 bit), build the run manifest.
// Nothing is written here: the caller writes the manifest once the whole listing is known to be good.
import type { IngestConfig } from "../config.js";
import { PermanentError } from "../errors.js";
import { probeSlice, type SliceHeader } from "../image/decode.js";
import { blockReader, checkTiff } from "../image/tiff-layout.js";
import type { ObjectStore } from "../ports.js";
import { orderSlices, type SliceRef } from "../slices/listing.js";
import { mapLimit } from "../util/map-limit.js";
import { runId, type RunManifest } from "./manifest.js";
import { stackWindow } from "./stack-window.js";

/** Bytes read to find a header; a file whose header lies further in is read whole. */
const HEADER_BYTES = 64 * 1024;

export async function enumerateSlices(source: ObjectStore, config: IngestConfig, where: string): Promise<RunManifest> {
  const slices = orderSlices(await source.list(""), config, where);
  const headers = await mapLimit(slices, 16, (slice) => readHeader(source, slice, config, where));
  const first = headers[0];
  headers.forEach((h, i) => {
    if (h.width !== first.width || h.height !== first.height) {
      throw new PermanentError(
        `${where}/${slices[i].key}: is ${h.width}x${h.height} but ${slices[0].key} is ${first.width}x${first.height}; every slice must have the same size`,
      );
    }
    if (h.depth !== first.depth || h.signed !== first.signed) {
      throw new PermanentError(`${where}/${slices[i].key}: is ${bitsName(h)} but ${slices[0].key} is ${bitsName(first)}`);
    }
  });
  const width = Math.floor(first.width / config.downsample);
  const height = Math.floor(first.height / config.downsample);
  if (width < 1 || height < 1) {
    throw new PermanentError(`${where}: downsample ${config.downsample} leaves nothing of ${first.width}x${first.height} slices`);
  }
  const stackWide = first.depth === 16 && config.window16Scope === "stack";
  return {
    run: runId(config, slices, first.width, first.height),
    config,
    slices,
    width,
    height,
    sourceWidth: first.width,
    sourceHeight: first.height,
    depth: first.depth,
    ...(stackWide ? { window16Bounds: await stackWindow(source, where, slices, config, first.width, first.height) } : {}),
  };
}

async function readHeader(source: ObjectStore, slice: SliceRef, config: IngestConfig, where: string): Promise<SliceHeader> {
  const name = `${where}/${slice.key}`;
  const head = await source.getRange(slice.key, 0, HEADER_BYTES);
  if (!head) throw new PermanentError(`${name}: vanished while listing`);
  if (head.length === 0) throw new PermanentError(`${name}: is empty (0 bytes)`);
  const partial = head.length === HEADER_BYTES;
  // Page count and strip table (libvips reads page 0 of a multi-page TIFF and a strip past the end as black).
  await checkTiff(blockReader(async (offset, length) => (await source.getRange(slice.key, offset, length)) ?? new Uint8Array(0), HEADER_BYTES, head), name);
  const header = await probeSlice(head, name, config.maxPixels, partial);
  if (header) return header;
  const whole = await source.get(slice.key);
  if (!whole) throw new PermanentError(`${name}: vanished while listing`);
  const full = await probeSlice(whole, name, config.maxPixels);
  if (!full) throw new PermanentError(`${name}: not a readable image`);
  return full;
}

function bitsName(h: SliceHeader): string {
  return `${h.signed ? "signed" : "unsigned"} ${h.depth}-bit`;
}
