import { describe, expect, it } from 'vitest';
import { installCodeHash, newInstallCode, normaliseInstallCode } from '../../../../src/features/devices/install-codes/code.js';

const CROCKFORD = '[0-9A-HJKMNP-TV-Z]';

describe('install codes', () => {
  it('are 28 Crockford base32 characters (140 bits) in 7 groups of 4, and differ each time', () => {
    const codes = Array.from({ length: 1000 }, newInstallCode);
    for (const code of codes) expect(code).toMatch(new RegExp(`^(${CROCKFORD}{4}-){6}${CROCKFORD}{4}$`));
    expect(new Set(codes).size).toBe(codes.length);
    // Every character of the alphabet turns up: none is left out by the drawing.
    expect(new Set(codes.join('').replaceAll('-', '')).size).toBe(32);
  });

  it('read back as typed: any case, spaces or dashes anywhere, I and L as 1, O as 0', () => {
    const code = 'K7QM-2XRD-9F4T-1A0B-CDEF-GHJK-MNPQ';
    const normalised = 'K7QM2XRD9F4T1A0BCDEFGHJKMNPQ';
    for (const typed of [
      code,
      code.toLowerCase(),
      normalised,
      'k7qm 2xrd 9f4t 1a0b cdef ghjk mnpq',
      ' K7QM-2XRD-9F4T-IAOB-CDEF-GHJK-MNPQ ',
      'K7QM-2XRD-9F4T-lAoB-CDEF-GHJK-MNPQ',
      'K7QM--2XRD\t9F4T-LAOB-CDEF-GHJK-MNPQ',
    ]) {
      expect(normaliseInstallCode(typed), typed).toBe(normalised);
    }
    expect(installCodeHash(normaliseInstallCode(code.toLowerCase())!)).toBe(installCodeHash(normalised));
  });

  it.each([
    ['too short', 'K7QM-2XRD-9F4T-1A0B-CDEF-GHJK-MNP'],
    ['too long', 'K7QM-2XRD-9F4T-1A0B-CDEF-GHJK-MNPQR'],
    ['a U, which Crockford leaves out', 'K7QM-2XRD-9F4T-1A0B-CDEF-GHJK-MNPU'],
    ['punctuation', 'K7QM_2XRD_9F4T_1A0B_CDEF_GHJK_MNPQ'],
    ['nothing', ''],
    ['a megabyte', 'A'.repeat(1 << 20)],
  ])('match no code when they hold %s', (_what, typed) => {
    expect(normaliseInstallCode(typed)).toBeUndefined();
  });
});
