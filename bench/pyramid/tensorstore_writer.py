"""tensorstore side of bench/pyramid: writes every scale of one volume with the neuroglancer_precomputed driver.

usage: tensorstore_writer.py VOLUME_FILE INFO_FILE OUT_DIR
VOLUME_FILE: uint8 scale-0 voxels, x fastest, of the size in INFO_FILE's first scale. INFO_FILE: the `info`
emingest wrote for the same volume; every scale is created with exactly its key, size, resolution, chunk
size, encoding, jpeg_quality and sharding. Timed region: for each scale, the exact 2x2x2 / 2x2x1 box mean of
the previous scale in numpy (the rule of core/precomputed/downsample.ts), then tensorstore creating the
scale and writing the whole array. One thread: {"data_copy_concurrency": {"limit": 1},
"file_io_concurrency": {"limit": 1}} (the driver, bench/pyramid/run.ts, also pins the process to one CPU);
"file_io_sync": false, because emingest does not fsync its files either.
Prints JSON {"seconds", "cpu_seconds", "downsample_seconds"}.
"""
import json
import os
import sys
import time

import numpy as np
import tensorstore as ts

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "python"))
from precomputed_spec import scale_metadata  # noqa: E402

# One thread for copies/encoding and for file I/O; no fsync per write (emingest's writer does not fsync either).
CONTEXT = {"data_copy_concurrency": {"limit": 1}, "file_io_concurrency": {"limit": 1}, "file_io_sync": False}


def pair_sum(a: np.ndarray, axis: int, factor: int):
    """Sums adjacent pairs along axis (a trailing odd element stays alone); returns (sums, counts)."""
    n = a.shape[axis]
    if factor == 1:
        return a, np.ones(n, dtype=np.uint16)
    even = n - (n % 2)
    lo = np.take(a, np.arange(0, even, 2), axis=axis)
    hi = np.take(a, np.arange(1, even, 2), axis=axis)
    s = lo.astype(np.uint16) + hi
    counts = np.full(even // 2, 2, dtype=np.uint16)
    if n % 2:
        s = np.concatenate([s, np.take(a, [n - 1], axis=axis).astype(np.uint16)], axis=axis)
        counts = np.append(counts, np.uint16(1))
    return s, counts


def downsample(a: np.ndarray, factor) -> np.ndarray:
    """a: C-order [z, y, x] uint8; factor: [fx, fy, fz]. floor((sum + n // 2) / n) over the voxels that exist."""
    fx, fy, fz = factor
    if fx == 2 and fy == 2 and a.shape[1] % 2 == 0 and a.shape[2] % 2 == 0 and (fz == 1 or a.shape[0] % 2 == 0):
        # Fast path: strided slices, uint16 sums.
        s = a[:, 0::2, 0::2].astype(np.uint16)
        s += a[:, 0::2, 1::2]
        s += a[:, 1::2, 0::2]
        s += a[:, 1::2, 1::2]
        if fz == 2:
            s = s[0::2] + s[1::2]
            s += 4
            s >>= 3
        else:
            s += 2
            s >>= 2
        return s.astype(np.uint8)
    s, cz = pair_sum(a, 0, fz)
    s, cy = pair_sum(s, 1, fy)
    s, cx = pair_sum(s, 2, fx)
    n = cz[:, None, None] * cy[None, :, None] * cx[None, None, :]
    return ((s + n // 2) // n).astype(np.uint8)


def main() -> None:
    volume_file, info_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(info_file) as f:
        info = json.load(f)
    scales = info["scales"]
    sx, sy, sz = scales[0]["size"]
    data = np.fromfile(volume_file, dtype=np.uint8).reshape(sz, sy, sx)
    context = ts.Context(CONTEXT)
    kvstore = "file://" + os.path.abspath(out)

    t0 = time.perf_counter()
    c0 = time.process_time()
    down = 0.0
    for i, scale in enumerate(scales):
        if i > 0:
            prev = scales[i - 1]["resolution"]
            factor = [round(scale["resolution"][d] / prev[d]) for d in range(3)]
            d0 = time.perf_counter()
            data = downsample(data, factor)
            down += time.perf_counter() - d0
        assert list(data.shape[::-1]) == scale["size"], (data.shape, scale["size"])
        store = ts.open({
            "driver": "neuroglancer_precomputed",
            "kvstore": kvstore,
            "multiscale_metadata": {"data_type": "uint8", "num_channels": 1, "type": "image"},
            "scale_metadata": scale_metadata(scale),
        }, create=True, open=True, context=context).result()
        # [z, y, x] C order viewed as [x, y, z, channel].
        store.write(data.transpose(2, 1, 0)[..., np.newaxis]).result()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "downsample_seconds": down}))


if __name__ == "__main__":
    main()
