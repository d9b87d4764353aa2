// The link `serve` prints: report/neuroglancer.json (core/report/viewer-state.ts) with its relative layer
// sources resolved against the served URL. A folder from before that file existed gets the link built from
// the volumes present (serve.ts); a file that is there but unreadable is named with its cause, never
// half-used.
import { promises as fs } from "node:fs";
import path from "node:path";
import { neuroglancerLink, resolveViewerState, type ViewerState } from "../core/report/viewer-state.js";

export const VIEWER_STATE_FILE = path.join("report", "neuroglancer.json");

export type SavedState = { state: ViewerState } | { problem: string } | undefined;

/** The saved viewer state of an output folder; undefined when the folder has none. */
export async function savedViewerState(dir: string): Promise<SavedState> {
  const file = path.join(dir, VIEWER_STATE_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    return { problem: `${file}: cannot be read (${code ?? String(error)})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `${file}: is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const layers = (value as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers) || layers.length === 0 || !layers.every((l) => typeof (l as { source?: unknown } | null)?.source === "string")) {
    return { problem: `${file}: is not a viewer state (no "layers" with a "source" each)` };
  }
  return { state: value as ViewerState };
}

/** The neuroglancer link of a saved state, its sources served under `baseUrl`. */
export function savedStateLink(state: ViewerState, baseUrl: string): string {
  return neuroglancerLink(resolveViewerState(state, baseUrl));
}
