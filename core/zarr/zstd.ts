// zstd frames for the zarr v3 `zstd` codec (zarr-specs codecs/zstd: one zstd frame per chunk, content size
// in the frame header, no checksum unless configured), through zstd 1.5.7 in emingest's native addon
// (native/zstd.cc; scripts/native.sh compiles it from source). It replaced libzstd compiled to
// WebAssembly (@bokuweb/zstd-wasm), which makes the same bytes slower (BENCHMARKS.md, OME-Zarr section);
// that build stays as a test oracle (test/zarr/zstd-native.test.ts).
import { PermanentError } from "../errors.js";
import { ADDON_PATH, openCv } from "../align/opencv.js";
import type { Vec3, VoxelBlock } from "../precomputed/index.js";

/** Level of every chunk we write (bench/zarr/ gives tensorstore the same). On EM-like texture level 1 packs as
 * tightly as 3 (0.912 of raw both) and compresses ~30% faster (BENCHMARKS.md, OME-Zarr section). */
export const ZSTD_LEVEL = 1;

/** The functions of native/zstd.cc. */
interface ZstdAddon {
  zstdCompress(src: Uint8Array, level: number): Uint8Array;
  zstdCompressChunk(block: Uint8Array, sx: number, sy: number, sz: number, ox: number, oy: number, oz: number,
    bx: number, by: number, bz: number, cx: number, cy: number, cz: number, level: number): Uint8Array | null;
  zstdDecompress(src: Uint8Array): Uint8Array;
}

/** The addon (loaded once per thread); one built before zstd.cc existed is named, not half-used. */
function addon(): ZstdAddon {
  const loaded: Partial<ZstdAddon> = openCv() as ReturnType<typeof openCv> & Partial<ZstdAddon>;
  if (typeof loaded.zstdCompress !== "function" || typeof loaded.zstdCompressChunk !== "function" || typeof loaded.zstdDecompress !== "function") {
    throw new PermanentError(`emingest's native addon (${ADDON_PATH}) has no zstd: rebuild it with \`npm run setup\` (scripts/native.sh)`);
  }
  return loaded as ZstdAddon;
}

/** One zstd frame of `bytes` at `level`. */
export function zstdCompress(bytes: Uint8Array, level: number = ZSTD_LEVEL): Uint8Array {
  return addon().zstdCompress(bytes, level);
}

/**
 * The frame of one inner chunk of `chunk` voxels whose part [begin, end) (global voxel coordinates, inside
 * the block) is the block's voxels and the rest the fill value 0, as zstdCompress of that chunk copied out
 * (x fastest) gives it; null when the chunk is all 0. The copy and the test for 0 run in the addon.
 */
export function zstdCompressChunk(block: VoxelBlock, begin: Vec3, end: Vec3, chunk: Vec3, level: number = ZSTD_LEVEL): Uint8Array | null {
  const [sx, sy, sz] = block.size;
  const o = [0, 1, 2].map((d) => begin[d] - block.origin[d]);
  const b = [0, 1, 2].map((d) => end[d] - begin[d]);
  return addon().zstdCompressChunk(block.data, sx, sy, sz, o[0], o[1], o[2], b[0], b[1], b[2], chunk[0], chunk[1], chunk[2], level);
}

/** The content of one zstd frame that gives its content size (as every frame we write does). */
export function zstdDecompress(bytes: Uint8Array): Uint8Array {
  return addon().zstdDecompress(bytes);
}
