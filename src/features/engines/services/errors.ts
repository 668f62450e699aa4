import { DomainError } from '../../../core/errors.js';

/** The refusals that more than one ledger or service raises, worded once. */
export const notFound = {
  engine: (id: string) => new DomainError('not_found', 'ENGINE_NOT_FOUND', `no engine ${id}`),
  platform: (id: string) => new DomainError('not_found', 'PLATFORM_NOT_FOUND', `no platform ${id}`),
  grantRequest: (id: string) => new DomainError('not_found', 'GRANT_REQUEST_NOT_FOUND', `no grant request ${id}`),
  window: (id: string) => new DomainError('not_found', 'WINDOW_NOT_FOUND', `no maintenance window ${id}`),
};
