import { randomBytes } from 'node:crypto';
import { hashSecret } from '../../../core/crypto/secrets.js';

/** Crockford's base32 alphabet: digits and upper-case letters without I, L, O and U. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 28 characters of 5 bits each: 140 bits of randomness, shown as 7 groups of 4. */
export const INSTALL_CODE_LENGTH = 28;
const GROUP = 4;

/** A normalised code: exactly what `newInstallCode` draws, without the dashes. */
const NORMALISED = new RegExp(`^[${ALPHABET}]{${INSTALL_CODE_LENGTH}}$`);

/** What a device may send at most: the code with a separator between every character, and some slack. */
const MAX_PRESENTED = 4 * INSTALL_CODE_LENGTH;

/** A new install code, e.g. `K7QM-2XRD-9F4T-…`: 28 random Crockford base32 characters in groups of 4. */
export function newInstallCode(): string {
  // 256 is a multiple of 32, so each byte's low 5 bits are uniform: no bias towards any character.
  const chars = [...randomBytes(INSTALL_CODE_LENGTH)].map((byte) => ALPHABET[byte & 31]!);
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += GROUP) groups.push(chars.slice(i, i + GROUP).join(''));
  return groups.join('-');
}

/**
 * A code as typed back by a person, in the form it was drawn in: upper case, without spaces or dashes, and with
 * Crockford's look-alikes read as the digits they stand for (I and L as 1, O as 0). Undefined for anything that
 * cannot be a code, which then matches none.
 */
export function normaliseInstallCode(presented: string): string | undefined {
  if (presented.length > MAX_PRESENTED) return undefined;
  const code = presented.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return NORMALISED.test(code) ? code : undefined;
}

/**
 * The SHA-256 of a normalised code: all that is stored of it. The code holds 140 random bits, so its hash can be
 * looked up directly: the time a lookup takes tells at most how a guess's hash relates to stored ones, which brings
 * no one closer to a code (finding a preimage of SHA-256 stays out of reach), so no constant-time compare is needed.
 */
export function installCodeHash(normalised: string): string {
  return hashSecret(normalised);
}
