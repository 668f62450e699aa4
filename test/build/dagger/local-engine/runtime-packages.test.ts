import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulatedInstalls } from '../../../../build/dagger/local-engine/lib/runtime-packages.js';

describe('the runtime packages', () => {
  it("take from apt's simulation every package it would add, and nothing it only configures or mentions", () => {
    const output = readFileSync(path.join(import.meta.dirname, 'fixtures', 'apt-simulate.txt'), 'utf8');
    expect(simulatedInstalls(output)).toEqual([
      'docker-registry',
      'busybox-static',
      'containernetworking-plugins',
      'libnftables1',
      'dnsmasq-base',
      'slirp4netns',
    ]);
  });

  it('take a package apt would upgrade as one to download', () => {
    expect(simulatedInstalls('Inst libc6 [2.36-9+deb12u9] (2.36-9+deb12u10 Debian:12.15/oldstable [amd64])\n')).toEqual(['libc6']);
  });
});
