// Every object key of a run, derived from the run's plan alone (DESIGN.md "Bucket layout": nothing random
// inside a run). Keys are relative to the run's output root (gs://DST/<run>/ or the local --out folder).

export const keys = {
  manifest: "report/manifest.json",
  plan: "tmp/plan.json",
  features: (z: number) => `tmp/features/${z}.bin`,
  tile: (z: number, tx: number, ty: number) => `tmp/render/${z}/${tx}_${ty}.raw`,
  cubeTop: (cube: readonly number[]) => `tmp/top/${cube.join("_")}.raw`,
  tmpPrefix: "tmp/",
  volume: (encoding: "jpeg" | "raw") => `ng/${encoding}/`,
  report: (name: string) => `report/${name}`,
};
