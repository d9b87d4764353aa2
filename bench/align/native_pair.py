"""One pair with native OpenCV (opencv-python-headless 4.x) running emingest's method, for bench/align.

usage: native_pair.py PREV.png CUR.png [PARAMS_JSON]   (bench/align/run.ts starts it under taskset -c CPU)

PARAMS_JSON is core/align's AlignParams (run.ts passes DEFAULT_ALIGN_PARAMS, so both engines use the same
numbers; without it, the defaults below). The same method as core/align, step for step:
- decode: cv2.imread(IMREAD_GRAYSCALE);
- features (features.ts): integer box factor f = ceil(max(w, h) / maxSize), box mean with cv2.resize
  INTER_AREA (the integer-factor fast path: the exact mean, rounded; emingest rounds ties up, OpenCV at
  f = 4 and 8 to even, so half the tie pixels differ by one grey level; f = 2 is identical), AKAZE threshold
  0.001, the 6000 strongest keypoints
  (ties by index), coordinates f * c + (f - 1) / 2;
- coarse-to-fine matching (align-pair.ts, match.ts, guided-match.ts): BFMatcher(NORM_HAMMING) kNN k=2 on
  the 500 (coarseFeatures) strongest of each slice, ratio test 0.92, drop slice z-1 keypoints claimed
  twice; RANSAC; if the coarse fit has >= 20 inliers, inlier ratio >= 0.05 and is plausible, guided matching of all keypoints
  within 25 px of the predicted position (numpy), else brute-force kNN of all keypoints;
- fit (ransac.ts): cv2.estimateAffine2D RANSAC (threshold 25 px, maxIters 1000, confidence 1 - 1e-12, no LM
  refinement) for the hypothesis, then emingest's refinement in numpy: least-squares refit on the inliers
  until the set stops changing, then trim residuals > maxTrust (4) x mean and refit;
- model choice (choose-model.ts): translation / rigid least squares on the inliers, chosen when
  excess <= max(0.05, 3 r_A sqrt(dk / n)).
With detector "sift" (align.detector): cv2.SIFT_create() instead of AKAZE, BFMatcher(NORM_L2) and L2 distances
in guided matching instead of Hamming; everything else the same.
cv2.setNumThreads(1). Prints one JSON line like node-pair.ts (peak RSS: /proc VmHWM; getrusage keeps the pre-exec parent's).
"""
import json
import math
import resource
import sys
import time

import cv2
import numpy as np

P = dict(detector="akaze", max_size=1024, rod=0.92, max_epsilon=25.0, min_inlier_ratio=0.05, min_num_inliers=20, akaze_threshold=0.001,
         max_features=6000, coarse_features=500, max_shift_fraction=0.25, max_scale_deviation=0.1,
         model_tolerance_px=0.05, max_trust=4.0, ransac_iterations=1000, expected_model="auto")


def load_params(text):
    """AlignParams JSON (camelCase) -> P (snake_case); unknown keys are an error, so a new param is noticed."""
    for key, value in json.loads(text).items():
        snake = "".join("_" + c.lower() if c.isupper() else c for c in key)
        if snake not in P and snake != "seed":
            raise KeyError(f"native_pair.py does not implement AlignParams.{key}")
        P[snake] = value
    if P["expected_model"] != "auto":
        raise ValueError("native_pair.py implements expectedModel 'auto' only")
POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.int32)


def vm_hwm_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def features(img, max_size):
    h, w = img.shape
    f = max(1, -(-max(w, h) // max_size))
    small = img
    if f > 1:
        small = cv2.resize(img[: h - h % f, : w - w % f], (w // f, h // f), interpolation=cv2.INTER_AREA)
    if P["detector"] == "sift":
        # detector "sift" (sift.ts): cv2.SIFT_create() defaults, float32 descriptors matched by L2.
        kp, desc = cv2.SIFT_create().detectAndCompute(small, None)
    else:
        kp, desc = cv2.AKAZE_create(threshold=P["akaze_threshold"]).detectAndCompute(small, None)
    n = len(kp)
    if n == 0:
        empty = np.zeros((0, 128), np.float32) if P["detector"] == "sift" else np.zeros((0, 61), np.uint8)
        return dict(size=(w, h), f=f, pts=np.zeros((0, 2)), desc=empty)
    resp = np.array([k.response for k in kp], dtype=np.float32)
    order = np.lexsort((np.arange(n), -resp))[: P["max_features"]]
    pts = np.array([k.pt for k in kp], dtype=np.float64)[order].astype(np.float32).astype(np.float64)
    return dict(size=(w, h), f=f, pts=pts * f + (f - 1) / 2, desc=np.ascontiguousarray(desc[order]))


def unique_claims(q, t, n_prev):
    q = np.asarray(q, dtype=np.int64)
    t = np.asarray(t, dtype=np.int64)
    claims = np.bincount(t, minlength=n_prev)
    keep = claims[t] == 1
    return q[keep], t[keep]


def knn_match(prev, cur, limit=None):
    dp, dc = prev["desc"][:limit], cur["desc"][:limit]
    if len(dp) < 2 or len(dc) < 1:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    knn = cv2.BFMatcher(cv2.NORM_L2 if P["detector"] == "sift" else cv2.NORM_HAMMING).knnMatch(dc, dp, k=2)
    q, t = [], []
    for m in knn:
        if len(m) == 2 and m[0].distance < P["rod"] * m[1].distance:
            q.append(m[0].queryIdx)
            t.append(m[0].trainIdx)
    return unique_claims(q, t, len(dp))


def guided_match(prev, cur, g, radius):
    w, h = prev["size"]
    cols, rows = max(1, math.ceil(w / radius) + 1), max(1, math.ceil(h / radius) + 1)
    pp = prev["pts"]
    pcx, pcy = np.floor(pp[:, 0] / radius).astype(np.int64), np.floor(pp[:, 1] / radius).astype(np.int64)
    valid = (pcx >= 0) & (pcy >= 0) & (pcx < cols) & (pcy < rows)
    members = np.nonzero(valid)[0]
    cell = (pcy * cols + pcx)[members]
    order = np.argsort(cell, kind="stable")
    members, cell = members[order], cell[order]
    start = np.searchsorted(cell, np.arange(cols * rows + 1))
    c = cur["pts"]
    px = g[0] * c[:, 0] + g[1] * c[:, 1] + g[2]
    py = g[3] * c[:, 0] + g[4] * c[:, 1] + g[5]
    gx, gy = np.floor(px / radius).astype(np.int64), np.floor(py / radius).astype(np.int64)
    qs, js = [], []
    idx = np.arange(len(c))
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            cx, cy = gx + dx, gy + dy
            ok = (cx >= 0) & (cy >= 0) & (cx < cols) & (cy < rows)
            cc = np.where(ok, cy * cols + cx, 0)
            s = np.where(ok, start[cc], 0)
            counts = np.where(ok, start[np.minimum(cc + 1, cols * rows)] - s, 0)
            total = int(counts.sum())
            if total == 0:
                continue
            offsets = np.repeat(s - (np.cumsum(counts) - counts), counts) + np.arange(total)
            qs.append(np.repeat(idx, counts))
            js.append(members[offsets])
    if not qs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    q, j = np.concatenate(qs), np.concatenate(js)
    near = (pp[j, 0] - px[q]) ** 2 + (pp[j, 1] - py[q]) ** 2 <= radius * radius
    q, j = q[near], j[near]
    if P["detector"] == "sift":
        dist = np.sqrt(((cur["desc"][q] - prev["desc"][j]) ** 2).sum(axis=1))
    else:
        dist = POPCOUNT[np.bitwise_xor(cur["desc"][q], prev["desc"][j])].sum(axis=1)
    o = np.lexsort((dist, q))
    q, j, dist = q[o], j[o], dist[o]
    first = np.ones(len(q), bool)
    first[1:] = q[1:] != q[:-1]
    fi = np.nonzero(first)[0]
    second = np.full(len(fi), np.inf)
    has2 = (fi + 1 < len(q))
    has2[has2] = ~first[fi[has2] + 1]
    second[has2] = dist[fi[has2] + 1]
    accept = dist[fi] < P["rod"] * second
    return unique_claims(q[fi][accept], j[fi][accept], len(pp))


def fit(kind, src, dst):
    n = len(src)
    if n < {"translation": 1, "rigid": 2, "affine": 3}[kind]:
        return None
    ms, md = src.mean(axis=0), dst.mean(axis=0)
    if kind == "translation":
        return np.array([1, 0, md[0] - ms[0], 0, 1, md[1] - ms[1]])
    p, q = src - ms, dst - md
    if kind == "rigid":
        dot = (p * q).sum()
        cross = (p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]).sum()
        if dot == 0 and cross == 0:
            return None
        t = math.atan2(cross, dot)
        co, si = math.cos(t), math.sin(t)
        return np.array([co, -si, md[0] - (co * ms[0] - si * ms[1]), si, co, md[1] - (si * ms[0] + co * ms[1])])
    xx, xy, yy = (p[:, 0] ** 2).sum(), (p[:, 0] * p[:, 1]).sum(), (p[:, 1] ** 2).sum()
    xu, yu, xv, yv = (p[:, 0] * q[:, 0]).sum(), (p[:, 1] * q[:, 0]).sum(), (p[:, 0] * q[:, 1]).sum(), (p[:, 1] * q[:, 1]).sum()
    det = xx * yy - xy * xy
    if not det > 1e-9 * (xx + yy) ** 2 or xx + yy == 0:
        return None
    a, b = (xu * yy - yu * xy) / det, (yu * xx - xu * xy) / det
    d, e = (xv * yy - yv * xy) / det, (yv * xx - xv * xy) / det
    return np.array([a, b, md[0] - (a * ms[0] + b * ms[1]), d, e, md[1] - (d * ms[0] + e * ms[1])])


def residuals(m, src, dst):
    return np.hypot(m[0] * src[:, 0] + m[1] * src[:, 1] + m[2] - dst[:, 0], m[3] * src[:, 0] + m[4] * src[:, 1] + m[5] - dst[:, 1])


def rms(m, src, dst, idx):
    return float(np.sqrt(np.mean(residuals(m, src[idx], dst[idx]) ** 2))) if len(idx) else 0.0


def ransac(src, dst):
    """cv2 RANSAC hypothesis, then ransac.ts's refinement. Returns (matrix, inlier indices) or None."""
    if len(src) < 3:
        return None
    h, _ = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=P["max_epsilon"],
                                maxIters=P["ransac_iterations"], confidence=1 - 1e-12, refineIters=0)
    if h is None:
        return None
    m = h.reshape(-1)
    inl = np.nonzero(residuals(m, src, dst) <= P["max_epsilon"])[0]
    if len(inl) < 3:
        return None
    for _ in range(20):
        r = fit("affine", src[inl], dst[inl])
        if r is None:
            break
        m = r
        nxt = np.nonzero(residuals(m, src, dst) <= P["max_epsilon"])[0]
        if np.array_equal(nxt, inl) or len(nxt) < 3:
            break
        inl = nxt
    for _ in range(20):
        res = residuals(m, src, dst)
        mean = res[inl].mean()
        kept = inl[res[inl] <= P["max_trust"] * mean]
        if len(kept) == len(inl) or len(kept) < 3:
            break
        r = fit("affine", src[kept], dst[kept])
        if r is None:
            break
        inl, m = kept, r
    return m, inl


def plausible(m, w, h):
    cx, cy = (w - 1) / 2, (h - 1) / 2
    shift = math.hypot(m[0] * cx + m[1] * cy + m[2] - cx, m[3] * cx + m[4] * cy + m[5] - cy)
    s1 = math.hypot(m[0] + m[4], m[3] - m[1]) / 2
    s2 = math.hypot(m[0] - m[4], m[3] + m[1]) / 2
    det = m[0] * m[4] - m[1] * m[3]
    dev = P["max_scale_deviation"]
    return shift <= P["max_shift_fraction"] * max(w, h) and s1 + s2 <= 1 + dev and abs(s1 - s2) >= 1 - dev and det > 0


def align_pair(prev, cur):
    needed = max(P["min_num_inliers"], 3)
    w, h = cur["size"]
    corr = lambda q, t: (cur["pts"][q], prev["pts"][t])  # noqa: E731
    matches = None
    if min(len(prev["pts"]), len(cur["pts"])) > P["coarse_features"]:
        q, t = knn_match(prev, cur, P["coarse_features"])
        r = ransac(*corr(q, t)) if len(q) >= needed else None
        if r and len(r[1]) >= needed and len(r[1]) >= P["min_inlier_ratio"] * len(q) and plausible(r[0], w, h):
            g = guided_match(prev, cur, r[0], P["max_epsilon"])
            if len(g[0]) >= needed:
                matches = g
    if matches is None:
        matches = knn_match(prev, cur)
    src, dst = corr(*matches)
    r = ransac(src, dst) if len(src) >= needed else None
    if r is None:
        return dict(ok=False, model="affine", matrix=[1, 0, 0, 0, 1, 0], matches=len(src), inliers=0)
    m, inl = r
    ra = rms(m, src, dst, inl)
    kind, matrix, res = "affine", m, ra
    for k, extra in (("translation", 4), ("rigid", 3)):
        mk = fit(k, src[inl], dst[inl])
        if mk is None:
            continue
        rk = rms(mk, src, dst, inl)
        excess = math.sqrt(max(0.0, rk * rk - ra * ra))
        if excess <= max(P["model_tolerance_px"], 3 * ra * math.sqrt(extra / max(1, len(inl)))):
            kind, matrix, res = k, mk, rk
            break
    ok = len(inl) >= P["min_num_inliers"] and len(inl) / len(src) >= P["min_inlier_ratio"] and plausible(matrix, w, h)
    return dict(ok=bool(ok), model=kind, matrix=[float(v) for v in matrix], matches=len(src), inliers=len(inl), residualPx=res)


def main(argv):
    prev_file, cur_file = argv[1], argv[2]
    if len(argv) > 3:
        load_params(argv[3])
    max_size = int(P["max_size"])
    cv2.setNumThreads(1)
    # Warm-up, like node-pair.ts: two pairs at the size features are found on (a blurred noise image and
    # a shifted copy of it).
    warm = cv2.GaussianBlur(np.random.default_rng(0).integers(0, 255, (max_size + 8, max_size + 8), dtype=np.uint8), (0, 0), 2)
    for _ in range(2):
        align_pair(features(warm[:max_size, :max_size], max_size), features(warm[5:max_size + 5, 3:max_size + 3], max_size))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ms = dict(decode=0.0, features=0.0, pair=0.0)
    cpu_ms = dict(decode=0.0, features=0.0, pair=0.0)
    t0, c0 = time.perf_counter(), time.process_time()

    def slice_features(path):
        t, c = time.perf_counter(), time.process_time()
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise RuntimeError(f"{path}: not readable")
        ms["decode"] += 1000 * (time.perf_counter() - t)
        cpu_ms["decode"] += 1000 * (time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        f = features(img, max_size)
        ms["features"] += 1000 * (time.perf_counter() - t)
        cpu_ms["features"] += 1000 * (time.process_time() - c)
        return f

    prev = slice_features(prev_file)
    cur = slice_features(cur_file)
    t, c = time.perf_counter(), time.process_time()
    result = align_pair(prev, cur)
    ms["pair"] = 1000 * (time.perf_counter() - t)
    cpu_ms["pair"] = 1000 * (time.process_time() - c)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps(dict(engine="opencv-python", cv2=cv2.__version__, seconds=seconds, cpuSeconds=cpu, ms=ms, cpuMs=cpu_ms,
                          keypoints=[len(prev["pts"]), len(cur["pts"])], factor=cur["f"], rssBeforeMiB=rss_before,
                          peakRssMiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, vmHwmMiB=vm_hwm_mib(),
                          **result)))


if __name__ == "__main__":
    main(sys.argv)
