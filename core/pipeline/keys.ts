// Every object key of a run, derived from the run's plan alone (DESIGN.md "Bucket layout": nothing random
// inside a run). Keys are relative to the run's output root (gs://DST/<run>/ or the local --out folder).

export const keys = {
  manifest: "report/manifest.json",
  plan: "tmp/plan.json",
  features: (z: number) => `tmp/features/${z}.bin`,
  /** Slice z rendered: its tiles of one cube's xy extent back to back (tile-slab.ts). */
  slab: (z: number) => `tmp/render/${z}.raw`,
  cubeTop: (cube: readonly number[]) => `tmp/top/${cube.join("_")}.raw`,
  tmpPrefix: "tmp/",
  volume: (encoding: "jpeg" | "raw") => `ng/${encoding}/`,
  report: (name: string) => `report/${name}`,
};
