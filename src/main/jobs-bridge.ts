import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jobSigningKeyFile, openJobSigningKey } from '../features/devices/tokens/job-signing-key.js';
import { jobDevices } from '../worker/activities/job-devices.js';

/** Hands jobs what it needs of devices: the entry point is the one place that knows both features. */
export default fp(
  async (app: FastifyInstance) => {
    app.decorate('jobsBridge', {
      devices: jobDevices(app.db),
      signingKey: openJobSigningKey(jobSigningKeyFile(app.config.dataDir)).privateKey,
      deviceOf: (request) => request.device?.id,
    });
  },
  { name: 'jobs-bridge', dependencies: ['devices'] },
);
