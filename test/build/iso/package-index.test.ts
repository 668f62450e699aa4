import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPackageIndex, type PackageIndex } from '../../../build/iso/package-index.js';
import { writeSuite } from '../../support/debian-mirror.js';
import { freePort } from '../../support/ports.js';
import { tempDir } from '../../support/stack.js';

/** A mirror pair as live-build reads it: bookworm and bookworm-updates on one, bookworm-security on the other. */
function mirrorPair() {
  const debianRoot = tempDir('mirror-debian-');
  const securityRoot = tempDir('mirror-security-');
  const debian = writeSuite(debianRoot, 'bookworm', [
    { name: 'nginx' },
    { name: 'gawk', provides: 'awk' },
    { name: 'mawk', provides: 'awk' },
    { name: 'exim4-daemon-light', provides: 'mail-transport-agent, mail-reader (= 4.96)' },
  ]);
  writeSuite(debianRoot, 'bookworm-updates', [{ name: 'tzdata' }]);
  const security = writeSuite(securityRoot, 'bookworm-security', [{ name: 'openssl' }]);
  return { debianRoot, securityRoot, mirrors: { debian: debian.replace(/\/$/, ''), security: security.replace(/\/$/, '') } };
}

async function load(mirrors: { debian: string; security: string }, cache: string) {
  const said: string[] = [];
  const index = await loadPackageIndex(mirrors, cache, (line) => said.push(line));
  return { index, said };
}

const cachedFiles = (cache: string): string[] => readdirSync(cache).filter((name) => name.endsWith('.xz'));

describe('the package index of the mirrors a build uses', () => {
  it('holds the packages of all three suites, and who provides each virtual name', async () => {
    const { mirrors } = mirrorPair();
    const { index, said } = await load(mirrors, tempDir('index-cache-'));
    const { packages, providers, describe: from } = index as PackageIndex;
    expect([...packages].sort()).toEqual(['exim4-daemon-light', 'gawk', 'mawk', 'nginx', 'openssl', 'tzdata']);
    expect(providers.get('awk')).toEqual(['gawk', 'mawk']);
    expect(providers.get('mail-reader')).toEqual(['exim4-daemon-light']);
    expect(from).toBe('bookworm, bookworm-updates, bookworm-security (main, amd64)');
    expect(said).toEqual([
      `[iso] fetching the package index of bookworm from ${mirrors.debian}`,
      `[iso] fetching the package index of bookworm-updates from ${mirrors.debian}`,
      `[iso] fetching the package index of bookworm-security from ${mirrors.security}`,
    ]);
  });

  it('reads an index again only when the Release file names new content, and drops the copy it replaced', async () => {
    const { debianRoot, mirrors } = mirrorPair();
    const cache = tempDir('index-cache-');
    await load(mirrors, cache);
    expect(cachedFiles(cache)).toHaveLength(3);

    // The Release files still name the same content, so the indices themselves are not read again.
    rmSync(join(debianRoot, 'dists', 'bookworm', 'main', 'binary-amd64', 'Packages.xz'));
    const again = await load(mirrors, cache);
    expect(again.said).toEqual([]);
    expect((again.index as PackageIndex).packages.has('nginx')).toBe(true);

    writeSuite(debianRoot, 'bookworm', [{ name: 'nginx-light' }]);
    const updated = await load(mirrors, cache);
    expect(updated.said).toEqual([`[iso] fetching the package index of bookworm from ${mirrors.debian}`]);
    expect((updated.index as PackageIndex).packages.has('nginx')).toBe(false);
    expect(cachedFiles(cache)).toHaveLength(3);
  });

  it('reads a mirror over HTTP, from its Release file where it publishes no InRelease', async () => {
    const { debianRoot, mirrors } = mirrorPair();
    renameSync(join(debianRoot, 'dists', 'bookworm', 'InRelease'), join(debianRoot, 'dists', 'bookworm', 'Release'));
    const requested: string[] = [];
    // A mirror is a static file server; this one is Node's, over the fixture tree.
    const server = createServer((req, res) => {
      requested.push(req.url!);
      const file = join(debianRoot, decodeURIComponent(req.url!.replace(/^\/debian/, '')));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const debian = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debian`;
      const { index } = await load({ ...mirrors, debian }, tempDir('index-cache-'));
      expect((index as PackageIndex).packages.has('nginx')).toBe(true);
      expect(requested).toEqual([
        '/debian/dists/bookworm/InRelease',
        '/debian/dists/bookworm/Release',
        '/debian/dists/bookworm/main/binary-amd64/Packages.xz',
        '/debian/dists/bookworm-updates/InRelease',
        '/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz',
      ]);
    } finally {
      server.close();
    }
  });

  it('fetches again a cached copy damaged on disk, reads a Release file with CRLF line ends, and works with a cache it may not write', async () => {
    const { debianRoot, mirrors } = mirrorPair();
    const cache = tempDir('index-cache-');
    await load(mirrors, cache);
    for (const name of cachedFiles(cache)) writeFileSync(join(cache, name), 'damaged');
    const release = join(debianRoot, 'dists', 'bookworm', 'InRelease');
    writeFileSync(release, readFileSync(release, 'utf8').replaceAll('\n', '\r\n'));
    const again = await load(mirrors, cache);
    expect(again.said).toHaveLength(3);
    expect((again.index as PackageIndex).packages.has('nginx')).toBe(true);

    const unwritable = join(tempDir('index-cache-'), 'not-a-dir');
    writeFileSync(unwritable, '');
    const uncached = await load(mirrors, unwritable);
    expect((uncached.index as PackageIndex).packages.has('openssl')).toBe(true);
  });

  it('reports a download cut short as unavailable, not as a crash', async () => {
    const { mirrors } = mirrorPair();
    const server = createServer((req, res) => {
      if (req.url!.endsWith('InRelease'))
        return void res.writeHead(200).end(`SHA256:\n ${'0'.repeat(64)} 100 main/binary-amd64/Packages.xz\n`);
      res.writeHead(200, { 'content-length': '100000' }).write('partial');
      setTimeout(() => res.destroy(), 50);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const debian = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debian`;
      const { index } = await load({ ...mirrors, debian }, tempDir('index-cache-'));
      expect(index).toEqual({
        unavailable: expect.stringMatching(new RegExp(`^${debian}/dists/bookworm/main/binary-amd64/Packages\\.xz: `)),
      });
    } finally {
      server.close();
    }
  });

  it('refuses an index whose content is not what its Release file says, and keeps no copy of it', async () => {
    const { debianRoot, mirrors } = mirrorPair();
    const cache = tempDir('index-cache-');
    writeFileSync(join(debianRoot, 'dists', 'bookworm', 'main', 'binary-amd64', 'Packages.xz'), 'not the listed bytes');
    const { index } = await load(mirrors, cache);
    expect(index).toEqual({
      unavailable: expect.stringMatching(
        /\/dists\/bookworm\/main\/binary-amd64\/Packages\.xz has SHA-256 [0-9a-f]{64}, but .*\/dists\/bookworm\/InRelease says [0-9a-f]{64}$/,
      ),
    });
    expect(cachedFiles(cache)).toEqual([]);
  });

  it('says which file it could not read: a suite the mirror lacks, a mirror that does not answer', async () => {
    const { debianRoot, mirrors } = mirrorPair();
    rmSync(join(debianRoot, 'dists', 'bookworm-updates'), { recursive: true });
    const missing = await load(mirrors, tempDir('index-cache-'));
    expect(missing.index).toEqual({ unavailable: expect.stringContaining(`${mirrors.debian}/dists/bookworm-updates/Release: ENOENT`) });

    const closedPort = await freePort();
    const closed = await load({ ...mirrors, debian: `http://127.0.0.1:${closedPort}/debian` }, tempDir('index-cache-'));
    expect(closed.index).toEqual({
      unavailable: `http://127.0.0.1:${closedPort}/debian/dists/bookworm/InRelease: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
    });
  });
});
