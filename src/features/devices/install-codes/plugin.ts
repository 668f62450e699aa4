import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PreauthorizationService } from '../preauthorizations/service.js';
import { InstallCodeService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Install codes: made and revoked by operators, redeemed by enrollment. */
    installCodes: InstallCodeService;
    /** Device keys approved before they enroll. */
    preauthorizations: PreauthorizationService;
  }
}

/** How a device is let in before an operator looks at it: install codes and preauthorized keys. */
export default fp(
  async (app: FastifyInstance) => {
    app.decorate('installCodes', new InstallCodeService(app.db));
    app.decorate('preauthorizations', new PreauthorizationService(app.db));
  },
  { name: 'device-install-codes', dependencies: ['db', 'operators'] },
);
