// What our side of GCS I/O costs in CPU (issue 17 item 3, the orchestration overhead): GcsStore's put and get
// (adapters/gcp/gcs-store.ts, the services' only way to the buckets) of a slice-sized PNG and a 16 MiB tile
// against fake-gcs, CPU-seconds of this process per GB moved. The emulator's own CPU is not counted.
//   node dist/bench/scale/gcs-io.js [--png FILE] [--count 16]   (default PNG: the first slice of /tmp/emscale-1g)
import { readFileSync } from "node:fs";
import { storageClient } from "../../adapters/gcp/clients.js";
import { GcsStore } from "../../adapters/gcp/gcs-store.js";
import { startEmulators } from "../../test/cloud/support/emulators.js";
import { optionReader } from "../support.js";

const option = optionReader(process.argv.slice(2));
const png = readFileSync(option("png", "/tmp/emscale-1g/stack-64x4096/img00000.png"));
const count = Number(option("count", "16"));
const tile = Buffer.alloc(16 * 1024 * 1024, 7);
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const emu = await startEmulators(["gcs"]);
try {
  const [bucket] = await storageClient(emu.config).createBucket("gcs-io");
  const store = new GcsStore(bucket);
  const perGB = async (bytes: Buffer, op: (i: number) => Promise<unknown>) => {
    const t = cpuS();
    for (let i = 0; i < count; i++) await op(i);
    return (cpuS() - t) / ((bytes.byteLength * count) / 1e9);
  };
  const putPng = await perGB(png, (i) => store.put(`png${i}`, png));
  const putTile = await perGB(tile, (i) => store.put(`tile${i}`, tile));
  const getPng = await perGB(png, (i) => store.get(`png${i}`));
  const getTile = await perGB(tile, (i) => store.get(`tile${i}`));
  const getRange = await perGB(tile, (i) => store.getRange(`tile${i}`, 0, tile.byteLength));
  // A pyramid task reads one 512^2 tile (256 KiB) of each slice it spans by range (core/pipeline/tile-slab.ts):
  // the cost per request, not per byte, decides those.
  const tileBytes = 512 * 512;
  const ranged = count * 16;
  const t0 = cpuS();
  for (let i = 0; i < ranged; i++) await store.getRange(`tile${i % count}`, (i % 64) * tileBytes, tileBytes);
  const perRangeMs = ((cpuS() - t0) / ranged) * 1000;
  console.log(`CPU-ms per ranged get of a 256 KiB tile: ${perRangeMs.toFixed(2)} (${ranged} gets)`);
  console.log(`CPU-s per GB, ${count} objects each: put PNG (${(png.byteLength / 1e6).toFixed(1)} MB) ${putPng.toFixed(2)}, put 16 MiB tile (resumable) ${putTile.toFixed(2)}, get PNG ${getPng.toFixed(2)}, get tile ${getTile.toFixed(2)}, ranged get of a whole tile ${getRange.toFixed(2)}`);
  console.log(JSON.stringify({ count, pngBytes: png.byteLength, cpuSPerGB: { putPng, putTile, getPng, getTile, getRange }, cpuMsPerTileRange: perRangeMs }));
} finally {
  await emu.stop();
}
