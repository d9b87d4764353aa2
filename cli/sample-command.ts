// `emingest sample`: a synthetic EM-like stack with its ground-truth transforms, for a first run with no data.
import { promises as fs } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { generateSampleStack } from "../core/sample/index.js";
import type { SampleCommand } from "./options.js";

export const TRUTH_FILE = "ground-truth.json";

export async function sampleCommand(cmd: SampleCommand): Promise<{ count: number; truthFile: string }> {
  await fs.mkdir(cmd.dir, { recursive: true });
  const stack = generateSampleStack({ count: cmd.count, width: cmd.width, height: cmd.height, seed: cmd.seed });
  const digits = Math.max(5, String(cmd.count - 1).length);
  for (let z = 0; z < stack.slices.length; z++) {
    const slice = stack.slices[z];
    // limitInputPixels: false, or sharp's default limit (16383^2) refuses the largest size a run takes (16384^2).
    const png = await sharp(slice.data, { raw: { width: slice.width, height: slice.height, channels: 1 }, limitInputPixels: false })
      .toColourspace("b-w")
      .png()
      .toBuffer();
    await fs.writeFile(path.join(cmd.dir, `img${String(z).padStart(digits, "0")}.png`), png);
  }
  const truthFile = path.join(cmd.dir, TRUTH_FILE);
  const truth = {
    description: "global[z] maps pixel (x, y) of slice z to the pixel coordinates of slice 0 (OpenCV 2x3 [a, b, c, d, e, f])",
    width: cmd.width,
    height: cmd.height,
    seed: cmd.seed,
    global: stack.truth,
  };
  await fs.writeFile(truthFile, `${JSON.stringify(truth, null, 1)}\n`);
  return { count: stack.slices.length, truthFile };
}
