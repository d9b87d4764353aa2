// `?downsample=N` of an input-map entry: an integer box mean (core/image/box-downsample.ts, rounding half up,
// trailing partial blocks dropped) of a grayscale image, written back as PNG or TIFF by the file's name.
import sharp from "sharp";
import { PermanentError } from "../errors.js";
import { boxDownsample2d } from "../image/box-downsample.js";
import { decodeWithSharp, isGray16 } from "../image/decode.js";

export async function downsampleImageFile(bytes: Uint8Array, fileName: string, factor: number, label = fileName, maxPixels = 1 << 28): Promise<Uint8Array> {
  // sharp alone: the fiji image carries no native addon (services/fiji/Dockerfile builds no OpenCV), and
  // this is a job's input, not a slice of a run (decode.ts's native path only saves CPU, same pixels).
  const image = await decodeWithSharp(bytes, label, maxPixels);
  if (image.width < factor || image.height < factor) {
    throw new PermanentError(`${label}: ${image.width}x${image.height} is smaller than the downsample factor ${factor}`);
  }
  const wide = isGray16(image);
  const out = wide
    ? boxDownsample2d(image.data, image.width, image.height, factor, (n) => new Uint16Array(n))
    : boxDownsample2d(image.data as Uint8Array, image.width, image.height, factor, (n) => new Uint8Array(n));
  const raw = Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  let pipeline = sharp(raw, { raw: { width: out.width, height: out.height, channels: 1, ...(wide ? { depth: "ushort" as const } : {}) } });
  pipeline = pipeline.toColourspace(wide ? "grey16" : "b-w");
  pipeline = /\.tiff?$/i.test(fileName) ? pipeline.tiff({ compression: "none" }) : pipeline.png();
  const encoded = await pipeline.toBuffer();
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}
