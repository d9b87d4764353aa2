"""Oracle: tensorstore writes the same volume with the same per-scale spec, to compare object names.

usage: precomputed_rewrite.py SRC_VOLUME_DIR DST_DIR
Reads every scale of SRC with tensorstore, creates DST with identical scale metadata (key, size,
resolution, chunk size, encoding, sharding), writes the data, and prints JSON
{"<scale key>": [sorted object names under that key]}.
"""
import json
import os
import sys

import tensorstore as ts

from precomputed_spec import scale_metadata


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    with open(os.path.join(src, "info")) as f:
        info = json.load(f)
    names = {}
    for i, scale in enumerate(info["scales"]):
        data = ts.open({"driver": "neuroglancer_precomputed", "kvstore": "file://" + os.path.abspath(src),
                        "scale_index": i}, read=True).result().read().result()
        out = ts.open({
            "driver": "neuroglancer_precomputed",
            "kvstore": "file://" + os.path.abspath(dst),
            "multiscale_metadata": {"data_type": "uint8", "num_channels": 1, "type": "image"},
            "scale_metadata": scale_metadata(scale),
        }, create=True, open=True).result()
        out.write(data).result()
        names[scale["key"]] = sorted(os.listdir(os.path.join(dst, scale["key"])))
    print(json.dumps(names))


if __name__ == "__main__":
    main()
