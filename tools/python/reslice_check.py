"""Oracle: report/reslice-{xz,yz}-after.png equal the middle planes of the volume as tensorstore reads them.

usage: reslice_check.py VOLUME_DIR REPORT_DIR SCALE -> prints {"xz": {"equal", "shape"}, "yz": {...}}
The planes: y = size_y // 2 (xz) and x = size_x // 2 (yz) of scale SCALE, counted from the scale's voxel_offset;
rows are z, first slice on top.
"""
import json
import os
import sys

import cv2
import numpy as np
import tensorstore as ts

from precomputed_spec import open_scale


def main() -> None:
    volume, report, scale = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_scale(volume, scale)
    store = store[ts.d[:].translate_to[0]]
    sx, sy, _ = store.shape[:3]
    planes = {
        "xz": store[:, sy // 2, :, 0].read().result().T,  # [z, x]
        "yz": store[sx // 2, :, :, 0].read().result().T,  # [z, y]
    }
    result = {}
    for name, want in planes.items():
        got = cv2.imread(os.path.join(report, f"reslice-{name}-after.png"), cv2.IMREAD_UNCHANGED)
        result[name] = {"equal": bool(got is not None and got.shape == want.shape and np.array_equal(got, want)),
                        "shape": list(want.shape), "png_shape": None if got is None else list(got.shape)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
