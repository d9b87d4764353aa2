"""Serves neuroglancer's web client from the `neuroglancer` PyPI package (its own server, 127.0.0.1) with
the viewer state of report/neuroglancer.json, its relative layer sources resolved against ROOT_URL.

usage: neuroglancer_serve.py STATE_FILE ROOT_URL
Prints the viewer's URL on one line, then serves until stdin closes. The state is used as written, except
for what makes a screenshot comparable with the stored voxels: one xy panel, one screen pixel per voxel,
no UI, side panel, axis lines or scale bar, only the first layer.
"""
import json
import re
import sys

import neuroglancer


def main() -> None:
    state_file, root = sys.argv[1], sys.argv[2].rstrip("/") + "/"
    with open(state_file) as f:
        state = json.load(f)
    for layer in state["layers"]:
        m = re.match(r"^([a-z0-9]+)://(.*)$", layer["source"])
        if m and not re.match(r"^[a-z][a-z0-9+.-]*:", m.group(2), re.I):
            layer["source"] = f"{m.group(1)}://{root}{m.group(2).rstrip('/')}"
    state["layers"] = state["layers"][:1]
    state.update({"layout": "xy", "crossSectionScale": 1, "showAxisLines": False, "showScaleBar": False,
                  "showDefaultAnnotations": False, "selectedLayer": {"layer": state["layers"][0]["name"], "visible": False}})
    neuroglancer.set_server_bind_address("127.0.0.1", bind_port=0)
    viewer = neuroglancer.Viewer()
    viewer.set_state(neuroglancer.ViewerState(state))
    with viewer.config_state.txn() as c:
        c.show_ui_controls = False
        c.show_panel_borders = False
    print(viewer.get_viewer_url(), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
