"""tensorstore side of bench/zarr: writes every level of one volume with tensorstore's zarr3 driver.

usage: tensorstore_writer.py VOLUME_FILE ZARR_DIR OUT_DIR
VOLUME_FILE: uint8 scale-0 voxels, x fastest. ZARR_DIR: the OME-Zarr group emingest wrote for the same volume;
each level is created from exactly its zarr.json (shape, shard shape, inner chunk shape, codecs: bytes + zstd
at the same level, crc32c index), so both writers produce the same keys with the same codec. Timed region: for
each level, the exact box mean of the previous level in numpy (bench/pyramid/tensorstore_writer.py, the rule
of core/precomputed/downsample.ts), then tensorstore creating the array and writing it whole. One thread and
no fsync, as bench/pyramid. Prints JSON {"seconds", "cpu_seconds", "downsample_seconds"}.
"""
import json
import os
import sys
import time

import numpy as np
import tensorstore as ts

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pyramid"))
from tensorstore_writer import CONTEXT, downsample  # noqa: E402


def main() -> None:
    volume_file, zarr_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(os.path.join(zarr_dir, "zarr.json")) as f:
        datasets = json.load(f)["attributes"]["ome"]["multiscales"][0]["datasets"]
    levels = []
    for d in datasets:
        with open(os.path.join(zarr_dir, d["path"], "zarr.json")) as f:
            levels.append((d["path"], json.load(f), d["coordinateTransformations"][0]["scale"]))
    sz, sy, sx = levels[0][1]["shape"]
    data = np.fromfile(volume_file, dtype=np.uint8).reshape(sz, sy, sx)
    context = ts.Context(CONTEXT)

    t0 = time.perf_counter()
    c0 = time.process_time()
    down = 0.0
    for i, (path, metadata, scale) in enumerate(levels):
        if i > 0:
            prev = levels[i - 1][2]
            factor = [round(scale[2 - d] / prev[2 - d]) for d in range(3)]  # [fx, fy, fz] from (z, y, x)
            d0 = time.perf_counter()
            data = downsample(data, factor)
            down += time.perf_counter() - d0
        assert list(data.shape) == metadata["shape"], (data.shape, metadata["shape"])
        store = ts.open({
            "driver": "zarr3",
            "kvstore": "file://" + os.path.abspath(os.path.join(out, path)),
            "metadata": {k: v for k, v in metadata.items() if k not in ("zarr_format", "node_type")},
        }, create=True, open=True, context=context).result()
        store.write(data).result()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "downsample_seconds": down}))


if __name__ == "__main__":
    main()
