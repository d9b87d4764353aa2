"""Oracle for the native OpenCV addon (core/align/opencv.ts): the opencv-python-headless wheel with the same
matrix, flags and parameters.

usage:
  align_warp_oracle.py warp  IN.raw W H OUT.raw OW OH a b c d e f   (inverse map, INTER_LINEAR, border 0)
  align_warp_oracle.py clahe IN.raw W H OUT.raw CLIP TX TY
  align_warp_oracle.py akaze IN.raw W H OUT.raw THRESHOLD
  align_warp_oracle.py sift  IN.raw W H OUT.raw                    (cv2.SIFT_create() defaults)
  align_warp_oracle.py knnl2 Q.f32 NQ T.f32 OUT.bin DIMS           (BFMatcher(NORM_L2) knnMatch k=2)
Images are raw row-major uint8. akaze writes, per keypoint in OpenCV's order, x y response as float32 and
then the descriptors (uint8, row-major); sift writes x y response size angle as float32 and then the
descriptors (float32, row-major); knnl2 reads float32 descriptor rows and writes per query the best and
second trainIdx (int32) then their distances (float32), -1 / inf where missing. Prints a JSON line with the
cv2 version (and the counts).
"""
import json
import sys

import cv2
import numpy as np


def read(path, w, h):
    return np.fromfile(path, dtype=np.uint8).reshape(int(h), int(w))


def knn_l2(argv):
    dims = int(argv[6])
    query = np.fromfile(argv[2], dtype=np.float32).reshape(int(argv[3]), dims)
    train = np.fromfile(argv[4], dtype=np.float32).reshape(-1, dims)
    idx = np.full((len(query), 2), -1, dtype=np.int32)
    dist = np.full((len(query), 2), np.inf, dtype=np.float32)
    for row in cv2.BFMatcher(cv2.NORM_L2, crossCheck=False).knnMatch(query, train, k=2):
        for k, m in enumerate(row[:2]):
            idx[m.queryIdx, k] = m.trainIdx
            dist[m.queryIdx, k] = m.distance
    with open(argv[5], "wb") as f:
        f.write(idx.tobytes())
        f.write(dist.tobytes())
    print(json.dumps({"cv2": cv2.__version__, "count": len(query)}))


def main(argv):
    op = argv[1]
    if op == "knnl2":
        knn_l2(argv)
        return
    src = read(argv[2], argv[3], argv[4])
    out_path = argv[5]
    if op == "warp":
        ow, oh = int(argv[6]), int(argv[7])
        m = np.array([float(v) for v in argv[8:14]], dtype=np.float64).reshape(2, 3)
        out = cv2.warpAffine(src, m, (ow, oh), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    elif op == "clahe":
        clip, tx, ty = float(argv[6]), int(argv[7]), int(argv[8])
        out = cv2.createCLAHE(clipLimit=clip, tileGridSize=(tx, ty)).apply(src)
    elif op == "akaze":
        kp, desc = cv2.AKAZE_create(threshold=float(argv[6])).detectAndCompute(src, None)
        xyr = np.array([(k.pt[0], k.pt[1], k.response) for k in kp], dtype=np.float32).reshape(-1, 3)
        with open(out_path, "wb") as f:
            f.write(xyr.tobytes())
            if len(kp):
                f.write(np.ascontiguousarray(desc, dtype=np.uint8).tobytes())
        print(json.dumps({"cv2": cv2.__version__, "count": len(kp), "descriptorBytes": int(desc.shape[1]) if len(kp) else 0}))
        return
    elif op == "sift":
        kp, desc = cv2.SIFT_create().detectAndCompute(src, None)
        rows = np.array([(k.pt[0], k.pt[1], k.response, k.size, k.angle) for k in kp], dtype=np.float32).reshape(-1, 5)
        with open(out_path, "wb") as f:
            f.write(rows.tobytes())
            if len(kp):
                f.write(np.ascontiguousarray(desc, dtype=np.float32).tobytes())
        print(json.dumps({"cv2": cv2.__version__, "count": len(kp), "dims": int(desc.shape[1]) if len(kp) else 0,
                          "descriptorType": str(desc.dtype) if len(kp) else ""}))
        return
    else:
        raise SystemExit(f"unknown op {op}")
    np.ascontiguousarray(out, dtype=np.uint8).tofile(out_path)
    print(json.dumps({"cv2": cv2.__version__, "shape": list(out.shape)}))


if __name__ == "__main__":
    main(sys.argv)
