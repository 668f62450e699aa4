import { DeviceClient, runScript } from '../../../device/client/index.js';

/**
 * A device in a process of its own, as the agent will be: enrolls with the code in BORG_TEST_CODE, then takes
 * BORG_TEST_RUNS jobs (0: enroll and exit, a device that never comes back), running each script for real.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const client = new DeviceClient({ baseUrl: env('BORG_TEST_URL'), stateDir: env('BORG_TEST_STATE_DIR') });
const { deviceId } = await client.enroll({ hostname: env('BORG_TEST_HOSTNAME'), enrollmentCode: env('BORG_TEST_CODE') });
process.stdout.write(`enrolled ${deviceId}\n`);

for (let left = Number(env('BORG_TEST_RUNS')); left > 0;) {
  const { jobs, refused } = await client.nextWork({ waitS: 5 });
  for (const r of refused) process.stdout.write(`refused ${r.runId} ${r.reason}\n`);
  for (const job of jobs) {
    // Work is handed out again until it is started: run a run only if this device is the one that started it.
    if ((await client.reportProgress(job.runId)).status !== 'running') continue;
    const result = await runScript(job);
    const reply = await client.reportResult(job.runId, result);
    process.stdout.write(`reported ${job.runId} ${result.outcome} ${reply.status} late=${reply.late}\n`);
    left--;
  }
}
