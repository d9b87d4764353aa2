"""Oracle: tensorstore opens two volumes at their voxel_offset and compares them where they overlap.

usage: placement_overlap.py VOLUME_A VOLUME_B SLICES_DIR PATTERN
For each volume: every scale opened by tensorstore (its domain starts at the scale's voxel_offset) and read.
Then, at scale 0, over the intersection of the two domains: the number of voxels that differ, and for every
global z in it whether the voxels at global (x, y, z) equal pixel (x, y) of slice file PATTERN % z (8-bit,
read by OpenCV), wherever the slice has that pixel. Prints one JSON document.
"""
import json
import os
import sys

import cv2
import numpy as np

from precomputed_spec import open_scale


def domain(store):
    return [int(v) for v in store.domain.origin[:3]], [int(v) for v in store.domain.exclusive_max[:3]]


def main() -> None:
    a_dir, b_dir, slices, pattern = sys.argv[1:5]
    result = {"volumes": []}
    scale0 = []
    for volume in (a_dir, b_dir):
        with open(os.path.join(volume, "info")) as f:
            info = json.load(f)
        scales = []
        for i in range(len(info["scales"])):
            store = open_scale(volume, i)
            lo, hi = domain(store)
            data = store.read().result()
            scales.append({"origin": lo, "end": hi, "nonzero": bool(np.any(data))})
            if i == 0:
                scale0.append((store, lo, hi))
        result["volumes"].append(scales)
    (sa, alo, ahi), (sb, blo, bhi) = scale0
    lo = [max(alo[d], blo[d]) for d in range(3)]
    hi = [min(ahi[d], bhi[d]) for d in range(3)]
    result["overlap"] = {"origin": lo, "end": hi}
    if all(lo[d] < hi[d] for d in range(3)):
        # Index by global coordinates: tensorstore's domain is already in them.
        a = sa[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]].read().result()[..., 0]
        b = sb[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]].read().result()[..., 0]
        result["overlap"]["differing"] = int(np.count_nonzero(a != b))
        result["overlap"]["voxels"] = int(a.size)
        per_z = []
        for z in range(lo[2], hi[2]):
            image = cv2.imread(os.path.join(slices, pattern % z), cv2.IMREAD_UNCHANGED)
            h, w = image.shape[:2]
            x0, x1, y0, y1 = max(lo[0], 0), min(hi[0], w), max(lo[1], 0), min(hi[1], h)
            got = a[x0 - lo[0]:x1 - lo[0], y0 - lo[1]:y1 - lo[1], z - lo[2]].T
            per_z.append({"z": z, "equals_slice": bool(np.array_equal(got, image[y0:y1, x0:x1]))})
        result["overlap"]["slices"] = per_z
    print(json.dumps(result))


if __name__ == "__main__":
    main()
