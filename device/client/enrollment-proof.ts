import { randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** A fresh `client_nonce`: base64 of 32 random bytes (the protocol asks for at least 16). */
export function newClientNonce(): string {
  return randomBytes(32).toString('base64');
}

/** The bytes an enrollment poll signs: `server_nonce (decoded) || approval_reference (UTF-8) || client_nonce (decoded)`. */
export function proofMessage(serverNonce: string, approvalReference: string, clientNonce: string): Buffer {
  return Buffer.concat([Buffer.from(serverNonce, 'base64'), Buffer.from(approvalReference, 'utf8'), Buffer.from(clientNonce, 'base64')]);
}

/** `proof_sig`: base64 of the Ed25519 signature over {@link proofMessage}. */
export function proofSig(privateKey: KeyObject, serverNonce: string, approvalReference: string, clientNonce: string): string {
  return sign(null, proofMessage(serverNonce, approvalReference, clientNonce), privateKey).toString('base64');
}
