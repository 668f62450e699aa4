import { startApiServer } from '../http/server.js';
import { apiFeatures } from './api-app.js';
import { ApiKeys } from '../features/operators/api-keys.js';
import type { Usage } from '../core/process/main.js';
import { runService } from '../core/process/service.js';
import { resolveTemporal } from '../core/temporal/resolve.js';
import { startWorker } from '../worker/worker.js';
import { installTemporalRuntime } from '../core/temporal/runtime.js';

const usage: Usage = {
  command: 'npm start',
  summary:
    'Runs the control plane: an embedded Temporal dev server (unless TEMPORAL_ADDRESS is set), the worker and the API.\nPrints the API, docs and Temporal UI addresses, and the first admin key on a first start. Ctrl-C stops it.',
};

/** `npm start`: Temporal (embedded unless TEMPORAL_ADDRESS), the worker and the API in one command. */
runService('borg', { usage }, async ({ config, log, lifecycle, db }) => {
  // Before any Temporal connection: the SDK's native runtime logs through ours.
  installTemporalRuntime(log);
  const firstAdminKey = new ApiKeys(db).bootstrapAdmin();
  const temporal = await resolveTemporal(config, log, lifecycle);
  const worker = await startWorker({ temporal: config.temporal, address: temporal.address, db, log, jobs: config.jobs });
  lifecycle.onStop('worker', () => worker.stop());
  worker.running.catch((err: unknown) => {
    log.fatal({ err }, 'worker crashed');
    void lifecycle.stop('worker crashed').then(() => process.exit(1));
  });
  const api = await startApiServer(config, db, log, temporal.address, apiFeatures);
  lifecycle.onStop('api', () => api.close());
  log.info({ api: api.url, temporal: temporal.address, temporalUi: temporal.uiUrl }, 'BorgOS ready');
  process.stdout.write(
    [
      '',
      'BorgOS control plane is up',
      `  API          ${api.url}`,
      `  API docs     ${api.url}/docs`,
      `  Temporal UI  ${temporal.uiUrl ?? `(external Temporal at ${temporal.address})`}`,
      ...(firstAdminKey ? [`  Admin key    ${firstAdminKey}`, '               (first start: store it now, it is not shown again)'] : []),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n') + '\n',
  );
});
