"""Oracle: are two z planes of scale 0 of a precomputed volume identical, as tensorstore reads them?

usage: e2e_planes_equal.py VOLUME_DIR Z1 Z2  -> prints {"equal": bool, "max_abs": int}
Z1 and Z2 count from the volume's first plane (its voxel_offset is the first slice's number).
"""
import json
import os
import sys

import numpy as np
import tensorstore as ts


def main() -> None:
    volume, z1, z2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = ts.open({"driver": "neuroglancer_precomputed", "kvstore": "file://" + os.path.abspath(volume), "scale_index": 0},
                    read=True).result()
    store = store[ts.d[:].translate_to[0]]
    a = store[:, :, z1, 0].read().result().astype(np.int32)
    b = store[:, :, z2, 0].read().result().astype(np.int32)
    print(json.dumps({"equal": bool((a == b).all()), "max_abs": int(np.abs(a - b).max())}))


if __name__ == "__main__":
    main()
