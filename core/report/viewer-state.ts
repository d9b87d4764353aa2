// report/neuroglancer.json: a neuroglancer viewer state with one layer per volume the run wrote, the
// volume's own coordinate space (x y z in nm, as `info` gives them) and the position at its centre.
// Layer sources are URLs relative to the output root ("precomputed://ng/jpeg/"): the same bytes hold for a
// folder, a bucket or a copy, and whoever knows where the root is served makes them absolute
// (`resolveViewerState`: `emingest serve`, report/index.html's own location).
// The layers follow the written formats: `VOLUME_LAYERS` has one row per volume folder (keys.volume), and a
// format added there (OME-Zarr: protocol "zarr3", displayDimensions x y z) appears in every state written.
import type { PyramidPlan, VoxelOffset } from "../precomputed/index.js";

export interface VolumeLayer {
  name: string;
  /** neuroglancer's data source protocol for the folder. */
  protocol: "precomputed" | "zarr3";
}

/** One row per volume folder a run may write (pipeline/keys.ts), in the order the viewer lists them. */
export const VOLUME_LAYERS: Readonly<Record<string, VolumeLayer>> = {
  "ng/jpeg/": { name: "em", protocol: "precomputed" },
  "ng/raw/": { name: "em-raw", protocol: "precomputed" },
};

export interface ViewerLayerState {
  type: "image";
  name: string;
  source: string;
  visible?: false;
}

export interface ViewerState {
  dimensions: Record<"x" | "y" | "z", [number, "m"]>;
  position: [number, number, number];
  /** Screen pixels per voxel in the 2D panels, so the whole xy extent fits in about 1024 pixels. */
  crossSectionScale: number;
  layers: ViewerLayerState[];
  layout: "4panel" | "xy";
  selectedLayer: { layer: string; visible: boolean };
}

/** The state for `volumes` (folders like "ng/jpeg/", the first one shown) of a volume of this plan at `offset`. */
export function viewerState(volumes: readonly string[], pyramid: Pick<PyramidPlan, "size" | "resolution">, offset: VoxelOffset): ViewerState {
  const layers = volumes.map((folder, i): ViewerLayerState => {
    const layer = VOLUME_LAYERS[folder];
    if (!layer) throw new RangeError(`viewerState: no viewer layer for the volume folder "${folder}" (add it to VOLUME_LAYERS)`);
    return { type: "image", name: layer.name, source: `${layer.protocol}://${folder}`, ...(i > 0 ? { visible: false as const } : {}) };
  });
  if (layers.length === 0) throw new RangeError("viewerState: a run writes at least one volume");
  const [rx, ry, rz] = pyramid.resolution;
  const [sx, sy, sz] = pyramid.size;
  return {
    // neuroglancer's coordinate space: one unit per scale-0 voxel, in metres (the nm of `info` / 1e9, the nearest double).
    dimensions: { x: [rx / 1e9, "m"], y: [ry / 1e9, "m"], z: [rz / 1e9, "m"] },
    // The centre of the middle voxel: voxel v covers [v, v + 1) in neuroglancer's coordinates.
    position: [offset[0] + Math.floor(sx / 2) + 0.5, offset[1] + Math.floor(sy / 2) + 0.5, offset[2] + Math.floor(sz / 2) + 0.5],
    crossSectionScale: Math.max(1, Math.max(sx, sy) / 1024),
    layers,
    layout: "4panel",
    selectedLayer: { layer: layers[0].name, visible: true },
  };
}

/** The state with every relative layer source made absolute against `rootUrl` (where the output root is served). */
export function resolveViewerState(state: ViewerState, rootUrl: string): ViewerState {
  const root = rootUrl.endsWith("/") ? rootUrl : `${rootUrl}/`;
  return {
    ...state,
    layers: state.layers.map((layer) => {
      const match = /^([a-z0-9]+):\/\/(.*)$/.exec(layer.source);
      if (!match || /^[a-z][a-z0-9+.-]*:/i.test(match[2])) return layer;
      // "ng/jpeg/" -> "http://host:port/ng/jpeg" (neuroglancer's precomputed URLs name the folder, no slash).
      return { ...layer, source: `${match[1]}://${new URL(match[2], root).href.replace(/\/$/, "")}` };
    }),
  };
}

/** The link that opens `state` in neuroglancer's public client (the state in the URL fragment). */
export function neuroglancerLink(state: ViewerState, client = "https://neuroglancer-demo.appspot.com/"): string {
  return `${client}#!${encodeURIComponent(JSON.stringify(state))}`;
}
