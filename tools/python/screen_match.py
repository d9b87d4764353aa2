"""Oracle: does a screenshot of neuroglancer show the stored voxels? Template matching with OpenCV.

usage: screen_match.py SCREENSHOT_PNG VOLUME_DIR Z [CROP]
Takes the central CROP x CROP pixels of the screenshot (default 160) as the template and finds it in plane Z
(a global z: the domain starts at voxel_offset) of scale 0 of the volume, read by tensorstore. VOLUME_DIR is
a precomputed volume (its `info`) or an OME-Zarr group (its zarr.json): then scale 0 is the array of the
first dataset, (z, y, x), voxel 0's centre at its translation (NGFF: transforms place voxel centres).
Prints {"score": max TM_CCOEFF_NORMED, "at": [x, y] of the best match in global voxel coordinates, "plane": [w, h]}.
"""
import json
import os
import sys

import cv2
import numpy as np
import tensorstore as ts

from precomputed_spec import open_scale


def zarr_plane(group: str, z: int):
    """(x0, y0, plane [y, x]) of global plane z of the OME-Zarr group's first dataset."""
    with open(os.path.join(group, "zarr.json")) as f:
        dataset = json.load(f)["attributes"]["ome"]["multiscales"][0]["datasets"][0]
    transforms = {t["type"]: t for t in dataset["coordinateTransformations"]}
    # NGFF places voxel centres: voxel 0's corner is half a voxel before the translation.
    oz, oy, ox = (round(t / s - 0.5) for t, s in zip(transforms["translation"]["translation"], transforms["scale"]["scale"]))
    store = ts.open({"driver": "zarr3", "kvstore": "file://" + os.path.abspath(os.path.join(group, dataset["path"]))}, read=True).result()
    return ox, oy, np.ascontiguousarray(store[z - oz, :, :].read().result())


def main() -> None:
    shot_file, volume, z = sys.argv[1], sys.argv[2], int(sys.argv[3])
    crop = int(sys.argv[4]) if len(sys.argv) > 4 else 160
    shot = cv2.imread(shot_file, cv2.IMREAD_GRAYSCALE)
    h, w = shot.shape
    template = shot[h // 2 - crop // 2:h // 2 + crop // 2, w // 2 - crop // 2:w // 2 + crop // 2]
    if os.path.exists(os.path.join(volume, "zarr.json")):
        x0, y0, plane = zarr_plane(volume, z)
    else:
        store = open_scale(volume, 0)
        x0, y0 = int(store.domain.origin[0]), int(store.domain.origin[1])
        plane = np.ascontiguousarray(store[:, :, z, 0].read().result().T)  # [y, x]
    scores = cv2.matchTemplate(plane, template, cv2.TM_CCOEFF_NORMED)
    _, best, _, at = cv2.minMaxLoc(scores)
    print(json.dumps({"score": float(best), "at": [at[0] + x0, at[1] + y0],
                      "plane": [plane.shape[1], plane.shape[0]], "template_std": float(template.std())}))


if __name__ == "__main__":
    main()
