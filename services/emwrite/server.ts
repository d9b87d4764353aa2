// services/emwrite: render and pyramid tasks (Pub/Sub push), plus the workflow's barrier steps.
// Wiring only: environment -> config -> adapters -> the shared app (HOUSE-STYLE.md rule 3), in start.ts.
import { startService } from "../shared/start.js";

export const EMWRITE_STAGES = ["render", "pyramid"] as const;

startService("emwrite", EMWRITE_STAGES, process.env);
