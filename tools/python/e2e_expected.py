"""Oracle for the end-to-end tests: the aligned stack computed independently with native OpenCV and numpy,
compared voxel for voxel with what tensorstore reads from the volumes emingest wrote.

usage: e2e_expected.py SLICES_DIR OUT_DIR CLAHE_CLIP CLAHE_TILES [LOW_PERCENTILE HIGH_PERCENTILE [SCOPE]]
For each slice of OUT_DIR/report/transforms.json: read the source image (cv2); a 16-bit one is windowed to
8 bits by percentiles (nearest rank: lo = s[floor(low/100*(N-1))], hi = s[ceil(high/100*(N-1))],
out = clamp(round_half_up(255*(v-lo)/(hi-lo)), 0, 255), defaults 0.5 and 99.5) of its own pixels (SCOPE
slice) or of all pixels of the slices at indices floor(i*(n-1)/63), i = 0..63 (SCOPE stack, the default);
a signed 16-bit one (int16, as cv2 reads it) the same way over its signed values; a signed 8-bit one maps
-128..127 onto 0..255 (v + 128); warp it with
cv2.warpAffine(src, warp, box, INTER_LINEAR | WARP_INVERSE_MAP, BORDER_CONSTANT 0) where `warp` is the
recorded inverse map, apply cv2 CLAHE when CLAHE_CLIP > 0, and stack. Each further scale is the box mean
of the previous one (factors from the info file's resolutions), rounded half up, edge blocks averaging the
voxels that exist. Prints JSON {volume: [{scale, shape, expected_shape, max_abs, mean_abs, mismatches}]}.
"""
import json
import os
import sys

import cv2
import numpy as np
import tensorstore as ts


def box_mean(a: np.ndarray, f) -> np.ndarray:
    """a is [z, y, x]; f is (fx, fy, fz)."""
    fx, fy, fz = f
    sz, sy, sx = a.shape
    shape = (-(-sz // fz), -(-sy // fy), -(-sx // fx))
    padded = np.zeros((shape[0] * fz, shape[1] * fy, shape[2] * fx), dtype=np.int64)
    ones = np.zeros_like(padded)
    padded[:sz, :sy, :sx] = a
    ones[:sz, :sy, :sx] = 1
    sums = padded.reshape(shape[0], fz, shape[1], fy, shape[2], fx).sum(axis=(1, 3, 5))
    counts = ones.reshape(shape[0], fz, shape[1], fy, shape[2], fx).sum(axis=(1, 3, 5))
    return ((sums + counts // 2) // counts).astype(np.uint8)


def bounds(pixels: np.ndarray, low: float, high: float):
    s = np.sort(pixels, axis=None)
    n = s.size
    return int(s[int(np.floor(low / 100 * (n - 1)))]), int(s[int(np.ceil(high / 100 * (n - 1)))])


def stack_bounds(slices_dir: str, report: dict, low: float, high: float):
    keys = [r["key"] for r in sorted(report["slices"], key=lambda r: r["z"])]
    n = len(keys)
    picks = sorted({(i * (n - 1)) // 63 for i in range(64)})
    pixels = [cv2.imread(os.path.join(slices_dir, keys[k]), cv2.IMREAD_UNCHANGED).ravel() for k in picks]
    return bounds(np.concatenate(pixels), low, high)


def window16(img: np.ndarray, lo: int, hi: int) -> np.ndarray:
    v = img.astype(np.int64)
    if hi == lo:
        return np.where(v <= lo, 0, 255).astype(np.uint8)
    out = (510 * (v - lo) + (hi - lo)) // (2 * (hi - lo))
    return np.clip(out, 0, 255).astype(np.uint8)


def expected_stack(slices_dir: str, report: dict, clip: float, tiles: int, low: float, high: float, scope: str) -> np.ndarray:
    box = report["box"]
    fixed = None
    planes = []
    for row in report["slices"]:
        source = next(r for r in report["slices"] if r["z"] == row["source"])
        img = cv2.imread(os.path.join(slices_dir, source["key"]), cv2.IMREAD_UNCHANGED)
        assert img.ndim == 2, f"{source['key']}: expected a grayscale image"
        if img.dtype == np.int8:
            img = (img.astype(np.int16) + 128).astype(np.uint8)
        if img.dtype in (np.uint16, np.int16):
            if scope == "stack":
                fixed = fixed or stack_bounds(slices_dir, report, low, high)
                img = window16(img, *fixed)
            else:
                img = window16(img, *bounds(img, low, high))
        m = np.array(source["warp"], dtype=np.float64).reshape(2, 3)
        out = cv2.warpAffine(img, m, (box["width"], box["height"]), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        if clip > 0:
            out = cv2.createCLAHE(clipLimit=clip, tileGridSize=(tiles, tiles)).apply(out)
        planes.append(out)
    return np.stack(planes)  # [z, y, x]


def main() -> None:
    slices_dir, out_dir, clip, tiles = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    low, high = (float(sys.argv[5]), float(sys.argv[6])) if len(sys.argv) > 6 else (0.5, 99.5)
    scope = sys.argv[7] if len(sys.argv) > 7 else "stack"
    assert scope in ("stack", "slice"), f"SCOPE must be stack or slice, got {scope}"
    with open(os.path.join(out_dir, "report", "transforms.json")) as f:
        report = json.load(f)
    stack = expected_stack(slices_dir, report, clip, tiles, low, high, scope)
    result = {}
    for volume in ("raw", "jpeg"):
        path = os.path.join(out_dir, "ng", volume)
        if not os.path.exists(os.path.join(path, "info")):
            continue
        with open(os.path.join(path, "info")) as f:
            info = json.load(f)
        expected = stack
        rows = []
        for i, scale in enumerate(info["scales"]):
            if i > 0:
                prev = info["scales"][i - 1]["resolution"]
                f = tuple(int(round(scale["resolution"][d] / prev[d])) for d in range(3))
                expected = box_mean(expected, f)
            store = ts.open({"driver": "neuroglancer_precomputed", "kvstore": "file://" + os.path.abspath(path),
                             "scale_index": i}, read=True).result()
            got = store.read().result()[..., 0].transpose(2, 1, 0)  # [z, y, x]
            row = {"scale": i, "shape": list(got.shape), "expected_shape": list(expected.shape)}
            if got.shape == expected.shape:
                diff = np.abs(got.astype(np.int32) - expected.astype(np.int32))
                row.update(max_abs=int(diff.max()), mean_abs=float(diff.mean()), mismatches=int((diff > 0).sum()))
            rows.append(row)
        result[volume] = rows
    print(json.dumps(result))


if __name__ == "__main__":
    main()
