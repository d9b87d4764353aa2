// The `provenance` object beside each volume's `info` (cloud-volume's DataLayerProvenance layout: "sources",
// "owners", "processing", "description"; igneous appends to "processing"). A pure function of the run's
// manifest and the code version, so a rerun, a repair or a retried finalize writes the same bytes; no date
// (the run record holds the timings). The one field that tells a local run from the same run in the cloud:
// "sources" names where the slices were (a folder, a gs:// URL).
import type { RunManifest } from "../pipeline/manifest.js";

export interface Provenance {
  description: string;
  owners: string[];
  sources: string[];
  processing: Array<{
    method: {
      task: "emingest";
      run: string;
      /** The parsed config: every setting the volume depends on (the run id hashes it). */
      settings: RunManifest["config"];
      slices: { count: number; first: number; last: number; width: number; height: number; bitDepth: 8 | 16 };
    };
    /** "emingest <package version> (<git describe>)": code-version.ts at the edge. */
    by: string;
  }>;
}

/** What is not known is said: a run without a code version says "unknown" rather than guess one. */
export function runProvenance(manifest: RunManifest, sourceName: string, codeVersion: string | undefined): Provenance {
  const slices = manifest.slices;
  return {
    description: `emingest run ${manifest.run}: ${slices.length} slices, aligned${manifest.config.skipAlign ? " (skipped)" : ""} and contrast-normalised`,
    owners: [],
    sources: [sourceName],
    processing: [
      {
        method: {
          task: "emingest",
          run: manifest.run,
          settings: manifest.config,
          slices: { count: slices.length, first: slices[0].z, last: slices[slices.length - 1].z, width: manifest.width, height: manifest.height, bitDepth: manifest.depth },
        },
        by: `emingest ${codeVersion ?? "unknown"}`,
      },
    ],
  };
}
