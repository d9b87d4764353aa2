"""Oracle for the native OpenCV addon (core/align/opencv.ts): the opencv-python-headless wheel with the same
matrix, flags and parameters.

usage:
  align_warp_oracle.py warp  IN.raw W H OUT.raw OW OH a b c d e f   (inverse map, INTER_LINEAR, border 0)
  align_warp_oracle.py clahe IN.raw W H OUT.raw CLIP TX TY
  align_warp_oracle.py akaze IN.raw W H OUT.raw THRESHOLD
Images are raw row-major uint8. akaze writes, per keypoint in OpenCV's order, x y response as float32 and
then the descriptors (uint8, row-major). Prints a JSON line with the cv2 version (and the akaze counts).
"""
import json
import sys

import cv2
import numpy as np


def read(path, w, h):
    return np.fromfile(path, dtype=np.uint8).reshape(int(h), int(w))


def main(argv):
    op = argv[1]
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
    else:
        raise SystemExit(f"unknown op {op}")
    np.ascontiguousarray(out, dtype=np.uint8).tofile(out_path)
    print(json.dumps({"cv2": cv2.__version__, "shape": list(out.shape)}))


if __name__ == "__main__":
    main(sys.argv)
