"""Oracle: tensorstore opens every scale of a precomputed `info` (metadata only) and reads one voxel.

usage: precomputed_open_info.py VOLUME_DIR  -> prints [{"scale", "key", "shape", "resolution", "voxel"}]
No chunk needs to exist: a missing chunk reads as the fill value 0, so this checks that the info itself is
accepted at every scale (sizes, resolutions, chunking, sharding), however large the volume it describes.
"""
import json
import os
import sys

from precomputed_spec import open_scale


def main() -> None:
    volume = sys.argv[1]
    with open(os.path.join(volume, "info")) as f:
        info = json.load(f)
    result = []
    for i, scale in enumerate(info["scales"]):
        store = open_scale(volume, i)
        last = [int(v) - 1 for v in store.domain.exclusive_max[:3]]  # the domain starts at voxel_offset
        voxel = store[last[0], last[1], last[2], 0].read().result()
        result.append({"scale": i, "key": scale["key"], "shape": list(store.shape[:3]),
                       "resolution": list(store.dimension_units[d].multiplier for d in range(3)), "voxel": int(voxel)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
