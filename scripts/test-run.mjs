// Runs the given compiled test files with node:test's run(), `concurrency` files at a time, in the order
// given (`node --test FILE...` treats its arguments as glob patterns and sorts what they match, so the
// slowest-first order of scripts/test-tier.mjs schedule would be lost), with the spec report on stdout and
// the TAP report in LOG (scripts/test.sh adds up its summary lines). Exits 1 when a test failed.
//   node scripts/test-run.mjs CONCURRENCY LOG FILE...
import { createWriteStream } from "node:fs";
import process from "node:process";
import { PassThrough } from "node:stream";
import { run } from "node:test";
import { spec, tap } from "node:test/reporters";

const [concurrency, log, ...files] = process.argv.slice(2);
if (!/^[1-9]\d*$/.test(concurrency ?? "") || !log || files.length === 0) {
  process.stderr.write("usage: node scripts/test-run.mjs CONCURRENCY LOG FILE...\n");
  process.exit(2);
}
const events = run({ files, concurrency: Number(concurrency) });
// One event stream, two reports: each gets every event.
const toSpec = new PassThrough({ objectMode: true });
const toTap = new PassThrough({ objectMode: true });
let failed = false;
events.on("data", (event) => {
  if (event.type === "test:fail") failed = true;
  toSpec.write(event);
  toTap.write(event);
});
events.on("end", () => {
  toSpec.end();
  toTap.end();
});
toSpec.compose(new spec()).pipe(process.stdout);
const tapFile = createWriteStream(log);
toTap.compose(tap).pipe(tapFile);
tapFile.on("close", () => process.exit(failed ? 1 : 0));
