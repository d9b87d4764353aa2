"""Oracle: tensorstore reads every scale of a neuroglancer precomputed volume we wrote.

usage: precomputed_read.py VOLUME_DIR OUT_DIR
Writes OUT_DIR/scale<i>.bin (uint8, x fastest) per scale; prints JSON [{"scale", "key", "shape", "file"}].
"""
import json
import os
import sys

import numpy as np

from precomputed_spec import open_scale


def main() -> None:
    volume, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(volume, "info")) as f:
        info = json.load(f)
    result = []
    for i, scale in enumerate(info["scales"]):
        store = open_scale(volume, i)
        arr = store.read().result()  # [x, y, z, channel]
        assert arr.dtype == np.uint8 and arr.shape[3] == 1, (arr.dtype, arr.shape)
        path = os.path.join(out, f"scale{i}.bin")
        # x fastest: C order over (z, y, x)
        np.ascontiguousarray(arr[..., 0].transpose(2, 1, 0)).tofile(path)
        result.append({"scale": i, "key": scale["key"], "shape": list(arr.shape[:3]), "file": path})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
