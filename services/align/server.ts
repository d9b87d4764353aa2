// services/align: the tasks of the stages core/pipeline/stages.ts gives to "align" (features, pair and bridge
// alignment; Pub/Sub push), plus the workflow's barrier steps.
// Wiring only: environment -> config -> adapters -> the shared app (HOUSE-STYLE.md rule 3), in start.ts.
import { startService } from "../../cloud-runtime/start.js";

startService("align", process.env);
