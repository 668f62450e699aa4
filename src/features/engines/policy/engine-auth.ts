import { digestsMatch } from '../../../core/crypto/secrets.js';
import { DomainError } from '../../../core/errors.js';
import type { PolicySnapshot } from './snapshot.js';

/** Why an engine's credentials were refused; the API answers 401 with this code. */
export type EngineAuthFailure = 'ENGINE_AUTH_FAILED' | 'ENGINE_REVOKED';

const NO_DIGEST = Buffer.alloc(32);

/** Checks an engine id and the SHA-256 of its presented key against a snapshot; null means accepted. */
export function verifyEngine(snapshot: PolicySnapshot, id: string, keyDigest: Buffer): EngineAuthFailure | null {
  const engine = snapshot.engines.get(id);
  // Compare even for an unknown id so timing does not reveal which engine ids exist.
  const matches = digestsMatch(keyDigest, engine?.key_digest ?? NO_DIGEST);
  if (!engine || !matches) return 'ENGINE_AUTH_FAILED';
  return engine.status === 'revoked' ? 'ENGINE_REVOKED' : null;
}

/** The 401 for engine credentials the policy refuses. */
export function engineRefused(failure: EngineAuthFailure, id: string): DomainError {
  return failure === 'ENGINE_REVOKED'
    ? new DomainError('unauthenticated', 'ENGINE_REVOKED', `engine ${id} is revoked`)
    : new DomainError('unauthenticated', 'ENGINE_AUTH_FAILED', 'unknown engine or wrong key');
}
