// Bounds on resolution and size that keep every scale of a pyramid (pyramid-plan.ts) finite, distinct and
// readable by neuroglancer and tensorstore (volume.md: `size` and `resolution` per scale, `key` a path).
//
// Limits: each resolution in [MIN_RESOLUTION_NM, MAX_RESOLUTION_NM]; each size in [1, MAX_EXTENT]; the voxel
// count (x * y * z) at most MAX_VOXELS. Why they suffice (chunk c_d >= 1, x and y halve at every scale,
// z halves once r_z(s) <= 2 * max(r_x(s), r_y(s)) and from then on at every scale):
// - Scales: x and y need at most log2(MAX_EXTENT) = 31 halvings; z waits at most
//   s0 = ceil(log2(MAX_RESOLUTION_NM / (2 * MIN_RESOLUTION_NM))) = 29 scales, then needs at most 31
//   more: at most 61 scales, under the planner's 64.
// - Finite, plain keys: z waits only while r_x(s) < r_z / 2, so at the top r_x, r_y < r_z * 2^31 and
//   r_z <= MAX_RESOLUTION_NM * 2^31 ~ 2.1e15 nm; every resolution lies in [1e-3, 2.2e15], where JavaScript's
//   String() writes plain decimals (exponents start at 1e21 and below 1e-6), so a key is "<rx>_<ry>_<rz>"
//   with digits and dots only. Doubling a double is exact, so nothing rounds or overflows.
// - Distinct: r_x doubles at every scale and String() is one-to-one on doubles, so no two scales share a
//   key or a resolution.
// - Sizes fit a signed 32-bit integer (readers that index with int32 accept them), and every voxel
//   offset and product below MAX_VOXELS = 2^53 is an exact JavaScript integer (tensorstore: int64).
//   The compressed Morton code then needs at most log2(prod grid) + 3 <= 56 bits of its 64.
// Resolution is checked where the config is parsed (config.ts); sizes when the plan knows the aligned box.

export const MIN_RESOLUTION_NM = 0.001;
export const MAX_RESOLUTION_NM = 1e6;
export const MAX_EXTENT = 2 ** 31 - 1;
export const MAX_VOXELS = 2 ** 53;

/** Why a volume of this size cannot be written, or undefined when it can. */
export function volumeSizeProblem(size: readonly number[]): string | undefined {
  const axes = ["x", "y", "z"];
  for (let d = 0; d < 3; d++) {
    if (!Number.isInteger(size[d]) || size[d] < 1) return `its ${axes[d]} size ${size[d]} is not a positive whole number`;
    if (size[d] > MAX_EXTENT) return `its ${axes[d]} size ${size[d]} is over ${MAX_EXTENT} voxels (2^31 - 1)`;
  }
  const voxels = size[0] * size[1] * size[2];
  if (voxels > MAX_VOXELS) return `${size.join(" x ")} = ${voxels.toExponential(3)} voxels is over 2^53`;
  return undefined;
}

/** Why a resolution cannot be written, or undefined when it can. */
export function resolutionProblem(resolution: readonly number[]): string | undefined {
  const ok = resolution.length === 3 && resolution.every((r) => typeof r === "number" && Number.isFinite(r) && r >= MIN_RESOLUTION_NM && r <= MAX_RESOLUTION_NM);
  return ok ? undefined : `each resolution must be a number from ${MIN_RESOLUTION_NM} to ${MAX_RESOLUTION_NM} nm`;
}
