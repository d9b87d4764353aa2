"""Oracle: does a screenshot of neuroglancer show the stored voxels? Template matching with OpenCV.

usage: screen_match.py SCREENSHOT_PNG VOLUME_DIR Z [CROP]
Takes the central CROP x CROP pixels of the screenshot (default 160) as the template and finds it in plane Z
(a global z: the domain starts at voxel_offset) of scale 0 of the volume, read by tensorstore.
Prints {"score": max TM_CCOEFF_NORMED, "at": [x, y] of the best match in global voxel coordinates, "plane": [w, h]}.
"""
import json
import sys

import cv2
import numpy as np

from precomputed_spec import open_scale


def main() -> None:
    shot_file, volume, z = sys.argv[1], sys.argv[2], int(sys.argv[3])
    crop = int(sys.argv[4]) if len(sys.argv) > 4 else 160
    shot = cv2.imread(shot_file, cv2.IMREAD_GRAYSCALE)
    h, w = shot.shape
    template = shot[h // 2 - crop // 2:h // 2 + crop // 2, w // 2 - crop // 2:w // 2 + crop // 2]
    store = open_scale(volume, 0)
    x0, y0 = int(store.domain.origin[0]), int(store.domain.origin[1])
    plane = np.ascontiguousarray(store[:, :, z, 0].read().result().T)  # [y, x]
    scores = cv2.matchTemplate(plane, template, cv2.TM_CCOEFF_NORMED)
    _, best, _, at = cv2.minMaxLoc(scores)
    print(json.dumps({"score": float(best), "at": [at[0] + x0, at[1] + y0],
                      "plane": [plane.shape[1], plane.shape[0]], "template_std": float(template.std())}))


if __name__ == "__main__":
    main()
