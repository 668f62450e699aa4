import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MetaRepository } from '../../core/db/meta.js';
import { deviceAuthScheme } from './agent/device-auth.js';
import { DpopNonces } from './dpop/nonces.js';
import { InstallCodeService } from './install-codes/service.js';
import { PreauthorizationService } from './preauthorizations/service.js';
import type { DpopSettings } from './dpop/verify-proof.js';
import { DpopReplayRepository } from './dpop/replay-repository.js';
import { EnrollmentLedger } from './enrollment/ledger.js';
import { EnrollmentService } from './enrollment/service.js';
import { EnrollmentTemporalClient } from './enrollment/temporal-client.js';
import { jobSigningKeyFile, openJobSigningKey } from './tokens/job-signing-key.js';
import { EnrollRateLimiter } from './rate-limit/limiter.js';
import { DeviceRepository } from './repositories/devices.js';
import { DeviceService } from './registry/service.js';
import type { TokenAudience } from './tokens/access-token.js';
import { DeviceTokenKeys, tokenKeysFile } from './tokens/signing-keys.js';
import { DeviceTokens } from './tokens/token-service.js';

export interface Devices {
  /** Install codes: made and revoked by operators, redeemed by enrollment. */
  installCodes: InstallCodeService;
  /** Device keys approved before they enroll. */
  preauthorizations: PreauthorizationService;
  enrollments: EnrollmentService;
  registry: DeviceService;
  tokens: DeviceTokens;
  keys: DeviceTokenKeys;
  dpop: DpopSettings;
  limiter: EnrollRateLimiter;
  /** When a device should send its next heartbeat. */
  heartbeatIntervalS: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    devices: Devices;
  }
}

/** How often expired replay-store entries and rate-limit counts are deleted. */
const PRUNE_EVERY_MS = 60_000;

/** How often devices that missed their heartbeats are looked for, to announce them offline. */
const OFFLINE_SWEEP_MS = 2000;

/** Devices: enrollment, their tokens and DPoP, and the operator's view of them; built once per process. */
export default fp(
  async (app: FastifyInstance) => {
    const { db, config } = app;
    const settings = config.devices;
    const meta = new MetaRepository(db);
    // Not the request's URL: a token must name one issuer whichever address a device used.
    const issuer = config.api.publicUrl ?? `urn:borgos:${meta.instanceId()}`;
    const audience: TokenAudience = { issuer, audience: `${issuer}#devices` };
    const keys = DeviceTokenKeys.open(tokenKeysFile(config.dataDir));
    const replays = new DpopReplayRepository(db);
    const dpop: DpopSettings = {
      replays,
      iatWindowS: settings.dpopIatWindowS,
      ...(config.api.publicUrl ? { publicBaseUrl: config.api.publicUrl } : {}),
      // One key in the database, so a nonce one replica issues is good at every other.
      ...(settings.dpopNonces
        ? {
            nonces: new DpopNonces(
              Buffer.from(
                meta.getOrCreate('dpop_nonce_key', () => randomBytes(32).toString('base64')),
                'base64',
              ),
            ),
          }
        : {}),
    };
    const refusals = app.auth.refusalLog('device credentials refused');
    const log = (fields: Record<string, unknown>, event: string) => refusals.warn(app.log, { ...fields, event });
    const tokens = new DeviceTokens(db, keys, audience, { idleS: settings.refreshIdleS, absoluteS: settings.refreshAbsoluteS }, log);
    const limiter = new EnrollRateLimiter(db, { perAddress: settings.ratePerAddress, perKey: settings.ratePerKey });
    const installCodes = new InstallCodeService(db);
    const preauthorizations = new PreauthorizationService(db);
    const ledger = new EnrollmentLedger(db, { codes: installCodes, preauthorizations });
    const enrollments = new EnrollmentService(
      ledger,
      new EnrollmentTemporalClient(app.temporal.client, app.temporal.taskQueue, app.log),
      tokens,
      replays,
      limiter,
      { deadlineS: settings.enrollDeadlineS, signingKey: openJobSigningKey(jobSigningKeyFile(config.dataDir)).publicKey },
      log,
    );
    const registry = new DeviceService(db, {
      heartbeatIntervalS: settings.heartbeatIntervalS,
      offlineAfterMissed: settings.offlineAfterMissed,
    });
    app.decorate('devices', {
      installCodes,
      preauthorizations,
      enrollments,
      registry,
      tokens,
      keys,
      dpop,
      limiter,
      heartbeatIntervalS: settings.heartbeatIntervalS,
    });
    app.decorateRequest('device', undefined);
    app.auth.register(deviceAuthScheme({ keys, audience, dpop, devices: new DeviceRepository(db) }));

    // Every replica prunes; each batch is one short statement, and a row deleted twice is deleted once.
    const pruner = setInterval(() => {
      try {
        replays.pruneExpired(new Date().toISOString());
        limiter.prune();
      } catch (err) {
        app.log.warn({ err }, 'could not prune expired DPoP proof ids and rate-limit counts; trying again in a minute');
      }
    }, PRUNE_EVERY_MS);
    pruner.unref();
    // Every replica sweeps; the flag each sweep clears makes one of them announce each device.
    const sweeper = setInterval(() => {
      try {
        registry.sweepOffline();
      } catch (err) {
        app.log.warn({ err }, 'could not look for devices gone offline; trying again shortly');
      }
    }, OFFLINE_SWEEP_MS);
    sweeper.unref();
    app.addHook('onClose', async () => {
      clearInterval(pruner);
      clearInterval(sweeper);
    });
  },
  { name: 'devices', dependencies: ['db', 'temporal', 'auth'] },
);
