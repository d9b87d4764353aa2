"""Oracle: an OME-Zarr 0.5 group we wrote, read by tensorstore (zarr3 driver) and by zarr-python 3 at every
level, compared voxel for voxel with the precomputed volume at the same scale (read by tensorstore), and
its metadata validated by ome-zarr-models (the NGFF 0.5 pydantic models).

usage: zarr_read.py ZARR_DIR PRECOMPUTED_DIR
Prints JSON {"valid": bool, "error": str|null, "levels": [...], "precomputed_scales": n, "multiscales": {...}}
with per level: path, shape (z, y, x), tensorstore and zarr-python mismatches against the precomputed scale,
the level's scale and translation transforms and the precomputed scale's resolution and voxel_offset.
"""
import json
import os
import sys

import numpy as np
import tensorstore as ts
import zarr
from ome_zarr_models.v05.image import Image

from precomputed_spec import open_scale


def validate(path: str):
    try:
        Image.from_zarr(zarr.open_group(path, mode="r"))
        return True, None
    except Exception as error:  # the oracle reports any refusal as the test's evidence
        return False, f"{type(error).__name__}: {error}"


def main() -> None:
    path, volume = sys.argv[1], sys.argv[2]
    valid, error = validate(path)
    group = zarr.open_group(path, mode="r")
    multiscales = group.attrs["ome"]["multiscales"][0]
    with open(os.path.join(volume, "info")) as f:
        info = json.load(f)
    levels = []
    for i, dataset in enumerate(multiscales["datasets"]):
        by_ts = ts.open({"driver": "zarr3", "kvstore": "file://" + os.path.abspath(os.path.join(path, dataset["path"]))}, read=True).result().read().result()
        by_zarr = zarr.open_array(os.path.join(path, dataset["path"]), mode="r")[...]
        expected = open_scale(volume, i).read().result()[..., 0].transpose(2, 1, 0)  # [x, y, z] -> (z, y, x)
        same_shape = by_ts.shape == expected.shape and by_zarr.shape == expected.shape
        levels.append({
            "path": dataset["path"],
            "shape": list(by_ts.shape),
            "expected_shape": list(expected.shape),
            "tensorstore_mismatches": int(np.count_nonzero(by_ts != expected)) if same_shape else -1,
            "zarr_python_mismatches": int(np.count_nonzero(by_zarr != expected)) if same_shape else -1,
            "nonzero": int(np.count_nonzero(expected)),
            "transforms": dataset["coordinateTransformations"],
            "resolution": info["scales"][i]["resolution"],
            "voxel_offset": info["scales"][i]["voxel_offset"],
        })
    print(json.dumps({"valid": valid, "error": error, "levels": levels, "precomputed_scales": len(info["scales"]), "axes": multiscales["axes"]}))


if __name__ == "__main__":
    main()
