import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseMirrors, hostMirrors } from '../../../build/iso/mirror.js';

const dir = mkdtempSync(join(tmpdir(), 'borg-mirror-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mirrors', () => {
  it("reads the main and security mirrors from the host's deb822 sources", () => {
    const file = join(dir, 'debian.sources');
    writeFileSync(
      file,
      'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\nComponents: main\n',
    );
    expect(hostMirrors(file)).toEqual({ debian: 'http://mirror.example/debian', security: 'http://mirror.example/debian-security' });
  });

  it('lets the environment set a snapshot mirror', () => {
    const mirrors = chooseMirrors({}, { BORG_ISO_MIRROR: 'http://snapshot.debian.org/archive/debian/20250520T000000Z/' });
    expect(mirrors.debian).toBe('http://snapshot.debian.org/archive/debian/20250520T000000Z');
  });

  it('rejects a mirror that is not a URL, naming the setting', () => {
    expect(() => chooseMirrors({ security: 'deb.debian.org' }, {})).toThrow(
      'BORG_ISO_SECURITY_MIRROR/--security-mirror: got "deb.debian.org"; expected an http(s):// or file:// URL',
    );
  });
});
