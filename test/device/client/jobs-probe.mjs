// Run by test/device/client/node18-jobs.test.ts under Debian's Node 18 (or, when that cannot be had, the test's
// Node): the bundled client polls for work once, runs every job it verified and reports it, then aborts a long
// poll; prints what happened as one JSON line.
// usage: node jobs-probe.mjs BUNDLE STATE_DIR BASE_URL TMP_DIR
/* global console, process, setTimeout, AbortController */
import { pathToFileURL } from 'node:url';

const [bundle, stateDir, baseUrl, tmpDir] = process.argv.slice(2);
const client = await import(pathToFileURL(bundle).href);

const logs = [];
const device = new client.DeviceClient({ baseUrl, stateDir, log: (line) => logs.push(line) });
const batch = await device.nextWork({ waitS: 5 });
const out = {
  node: process.version,
  jobs: batch.jobs.map((job) => job.runId),
  refused: batch.refused,
  logs,
  progress: {},
  results: {},
  replies: {},
};
for (const job of batch.jobs) {
  out.progress[job.runId] = await device.reportProgress(job.runId);
  out.results[job.runId] = await client.runScript(job, { tmpDir, killGraceMs: 300 });
  out.replies[job.runId] = await device.reportResult(job.runId, out.results[job.runId]);
}

const controller = new AbortController();
setTimeout(() => controller.abort(new Error('agent stopping')), 200);
const started = Date.now();
out.aborted = await device.nextWork({ waitS: 30, signal: controller.signal }).then(
  () => 'answered',
  (error) => `${error.message} after ${Date.now() - started < 3000 ? 'less than 3 s' : 'too long'}`,
);

console.log(JSON.stringify(out));
