import { describe, expect, it } from 'vitest';
import { parseProfileFile, parseReadiness } from '../../../build/iso/boot-check.js';

describe('serial console parsing', () => {
  it("reads borg-ready's line, even behind a journal prefix", () => {
    const line =
      '[   41.2] borg-ready[612]: BORGOS-READY profile=edge-iot inputs=sha256:ab12 multi-user.target:active node=v18.19.0 units=ssh.service:active,nginx.service:failed uptime=40.91s';
    expect(parseReadiness(line)).toEqual({
      ready: true,
      profile: 'edge-iot',
      inputsHash: 'sha256:ab12',
      multiUser: 'active',
      node: 'v18.19.0',
      units: { 'ssh.service': 'active', 'nginx.service': 'failed' },
      guestUptimeSeconds: 40.91,
    });
    expect(parseReadiness(line.replace('BORGOS-READY', 'BORGOS-NOT-READY')).ready).toBe(false);
  });

  it('reads /etc/borgos/profile as echoed on the console, unquoting values', () => {
    expect(parseProfileFile(['noise', "borgos-profile: PROFILE='edge-iot'", "borgos-profile: DESCRIPTION='it'\\''s small'"])).toEqual({
      PROFILE: 'edge-iot',
      DESCRIPTION: "it's small",
    });
  });
});
