"""Oracle: does tensorstore write the same shard files as we do? Every level of an OME-Zarr group we wrote
is read by tensorstore (zarr3 driver) and written whole, by tensorstore, into a new array created from
exactly that level's zarr.json (shape, shard and inner chunk shapes, bytes + zstd at our level, crc32c
index); then every file of both is compared byte for byte.

usage: zarr_rewrite.py ZARR_DIR OUT_DIR
Prints JSON {"levels": [{"path", "files": n, "same": n, "differ": [keys], "only_ours": [keys],
"only_tensorstore": [keys], "bytes": n}]}, keys relative to the level, zarr.json left out.
"""
import json
import os
import sys

import tensorstore as ts


def files(root: str) -> dict:
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if name != "zarr.json":
                full = os.path.join(folder, name)
                out[os.path.relpath(full, root)] = full
    return out


def main() -> None:
    group, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(group, "zarr.json")) as f:
        datasets = json.load(f)["attributes"]["ome"]["multiscales"][0]["datasets"]
    levels = []
    for d in datasets:
        ours = os.path.join(group, d["path"])
        theirs = os.path.join(out, d["path"])
        with open(os.path.join(ours, "zarr.json")) as f:
            metadata = json.load(f)
        data = ts.open({"driver": "zarr3", "kvstore": "file://" + os.path.abspath(ours)}, read=True).result().read().result()
        store = ts.open({
            "driver": "zarr3",
            "kvstore": "file://" + os.path.abspath(theirs),
            "metadata": {k: v for k, v in metadata.items() if k not in ("zarr_format", "node_type")},
        }, create=True).result()
        store.write(data).result()
        a, b = files(ours), files(theirs)
        common = sorted(set(a) & set(b))
        differ = [k for k in common if open(a[k], "rb").read() != open(b[k], "rb").read()]
        levels.append({"path": d["path"], "files": len(a), "same": len(common) - len(differ), "differ": differ,
                       "only_ours": sorted(set(a) - set(b)), "only_tensorstore": sorted(set(b) - set(a)),
                       "bytes": sum(os.path.getsize(p) for p in a.values())})
    print(json.dumps({"levels": levels}))


if __name__ == "__main__":
    main()
