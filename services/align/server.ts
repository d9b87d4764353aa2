// services/align: features, pair and bridge alignment tasks (Pub/Sub push), plus the workflow's barrier steps.
// Wiring only: environment -> config -> adapters -> the shared app (HOUSE-STYLE.md rule 3), in start.ts.
import { startService } from "../shared/start.js";

export const ALIGN_STAGES = ["features", "align", "bridge"] as const;

startService("align", ALIGN_STAGES, process.env);
