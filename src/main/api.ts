import { startApiServer } from '../http/server.js';
import { apiFeatures } from './api-app.js';
import { ApiKeys } from '../features/operators/api-keys.js';
import type { Usage } from '../core/process/main.js';
import { runService } from '../core/process/service.js';
import { temporalAddress } from '../core/temporal/resolve.js';

const usage: Usage = {
  command: 'npm run start:api',
  summary: 'Runs the API alone, against TEMPORAL_ADDRESS (or the address npm start gives its embedded server).',
};

/** The API alone, against TEMPORAL_ADDRESS (or the embedded server's address that `npm start` uses). */
runService('borg-api', { usage }, async ({ config, log, lifecycle, db }) => {
  const firstAdminKey = new ApiKeys(db).bootstrapAdmin();
  const api = await startApiServer(config, db, log, temporalAddress(config), apiFeatures);
  lifecycle.onStop('api', () => api.close());
  log.info({ api: api.url }, 'API ready');
  if (firstAdminKey) process.stdout.write(`First admin API key (store it now, it is not shown again): ${firstAdminKey}\n`);
});
