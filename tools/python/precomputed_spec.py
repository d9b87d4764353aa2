"""What the precomputed oracles share: tensorstore's view of one scale of a volume we wrote, and the
tensorstore scale metadata that recreates a scale of an `info` exactly (key, size, resolution, voxel offset,
chunk size, encoding, jpeg quality, sharding). Imported by the scripts beside it and by bench/pyramid.
"""
import os

import tensorstore as ts


def open_scale(volume: str, index: int):
    """The scale `index` of the precomputed volume in folder `volume`, opened for reading."""
    return ts.open({
        "driver": "neuroglancer_precomputed",
        "kvstore": "file://" + os.path.abspath(volume),
        "scale_index": index,
    }, read=True).result()


def scale_metadata(scale: dict) -> dict:
    """tensorstore's scale_metadata for one scale of an `info` file."""
    metadata = {
        "key": scale["key"],
        "size": scale["size"],
        "resolution": scale["resolution"],
        "voxel_offset": scale["voxel_offset"],
        "chunk_size": scale["chunk_sizes"][0],
        "encoding": scale["encoding"],
    }
    if "sharding" in scale:
        metadata["sharding"] = scale["sharding"]
    if scale["encoding"] == "jpeg":
        # 75 is the precomputed format's default when an info leaves it out.
        metadata["jpeg_quality"] = scale.get("jpeg_quality", 75)
    return metadata
