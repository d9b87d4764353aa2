// What one object lookup costs fake-gcs-server as its bucket fills, per backend (scripts/emulators.sh
// EMULATOR_GCS_BACKEND): the memory backend scans the bucket's object list per lookup, the filesystem backend
// opens the object's file. Fills one bucket with small objects and, at each checkpoint, times metadata GETs
// and media GETs of random objects over plain HTTP (no client library: the emulator's cost, not ours).
//   node dist/bench/scale/gcs-lookup.js [--backends memory,filesystem,filesystem-shm] [--counts 1000,5000,10000,42000]
//     [--memory-max 10000] [--gets 200]
// Filling the memory backend costs time quadratic in the count (each insert scans too), so it stops at
// --memory-max. Prints one JSON line per backend and checkpoint.
import { loadavg } from "node:os";
import { mapLimit } from "../../core/util/map-limit.js";
import { startEmulators } from "../../test/cloud/support/emulators.js";
import { median, optionReader } from "../support.js";

const option = optionReader(process.argv.slice(2));
// filesystem: the root in the emulators' folder (on disk); filesystem-shm: in /dev/shm (tmpfs).
const backends = option("backends", "memory,filesystem,filesystem-shm").split(",");
const counts = option("counts", "1000,5000,10000,42000").split(",").map(Number);
const memoryMax = Number(option("memory-max", "10000"));
const gets = Number(option("gets", "200"));
const BUCKET = "lookup";
const body = Buffer.alloc(4096, 7);
const name = (i: number) => `stack/img${String(i).padStart(5, "0")}.png`;

for (const backend of backends) {
  const emu = await startEmulators(["gcs"], backend === "memory" ? {} : { gcsBackend: "filesystem", ...(backend === "filesystem-shm" ? { gcsRootParent: "/dev/shm" } : {}) });
  const api = emu.env.STORAGE_API_ENDPOINT;
  try {
    await ok(await fetch(`${api}/storage/v1/b?project=${emu.config.projectId}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: BUCKET }) }), "create bucket");
    let have = 0;
    for (const target of counts) {
      if (backend === "memory" && target > memoryMax) break;
      const fillStarted = Date.now();
      const next = Array.from({ length: target - have }, (_, k) => have + k);
      await mapLimit(next, 16, async (i) => {
        const url = `${api}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=${encodeURIComponent(name(i))}`;
        await ok(await fetch(url, { method: "POST", body }), `insert ${name(i)}`);
      });
      const fillMsPerInsert = (Date.now() - fillStarted) / Math.max(1, next.length);
      have = target;
      const meta: number[] = [];
      const media: number[] = [];
      for (let k = 0; k < gets; k++) {
        const object = encodeURIComponent(name(Math.floor(Math.random() * have)));
        const t0 = performance.now();
        await ok(await fetch(`${api}/storage/v1/b/${BUCKET}/o/${object}`), "metadata get");
        const t1 = performance.now();
        await ok(await fetch(`${api}/storage/v1/b/${BUCKET}/o/${object}?alt=media`), "media get");
        meta.push(t1 - t0);
        media.push(performance.now() - t1);
      }
      console.log(JSON.stringify({ backend, objects: have, metadataGetMs: median(meta), mediaGetMs: median(media), fillMsPerInsert, loadavg: loadavg().map((x) => x.toFixed(1)).join(" ") }));
    }
  } finally {
    await emu.stop();
  }
}

async function ok(res: Response, what: string): Promise<void> {
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status}`);
}

