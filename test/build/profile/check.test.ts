/** `tsx build/profile/check.ts` run as a user runs it: exit code and the lines it prints. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTsx } from '../pipeline/run-tsx.js';

const dir = mkdtempSync(join(tmpdir(), 'borg-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

const check = (...args: string[]) => runTsx('build/profile/check.ts', args, { cwd: dir });
const header = (name: string): string => `profile: ${name}\ndescription: d\nservices: [ssh]\n`;

describe('build/profile/check.ts', () => {
  it('with --show prints what the image gets, defaults filled in, and says when nobody could log in', async () => {
    const keyed = `${header('keyed')}packages: [curl]\nlocale: de_DE.UTF-8\nusers:\n  - name: ops\n    sudo: true\n    ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB ops@laptop"]\n`;
    const { code, stdout } = await check('--show', write('keyed', keyed), write('keyless', header('keyless')));
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '  hostname       borgos-keyed',
        '  locale         de_DE.UTF-8',
        '  timezone       Etc/UTC',
        '  users          ops (sudo, 1 SSH key)',
        '  users          none — ssh runs, but no user has a key, so nobody can log in',
        '  offline model  none',
      ]),
    );
    const packages = lines.find((l) => l.startsWith('  packages'));
    expect(packages).toMatch(/^ {2}packages {7}\d+: .*\bcurl\b.*\blocales\b.*\bopenssh-server\b.*\bsudo\b/);
    expect((await check('--shwo')).code).toBe(2);
  });

  it('refuses a time zone that tzdata does not have, at its position', async () => {
    const { code, stderr } = await check(write('mars', `${header('mars')}timezone: Mars/Olympus\n`));
    expect(code).toBe(1);
    expect(stderr).toContain(
      'mars.yaml:4:11: timezone: got "Mars/Olympus", which is not in tzdata (/usr/share/zoneinfo); expected a time zone such as Europe/Berlin or Etc/UTC',
    );
  });

  it('refuses a tzdata directory as a time zone and accepts a real zone', async () => {
    expect((await check(write('region', `${header('region')}timezone: Europe\n`))).stderr).toContain(
      'region.yaml:4:11: timezone: got "Europe"',
    );
    expect(await check(write('berlin', `${header('berlin')}timezone: Europe/Berlin\n`))).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses duplicate user names and names the base system already has', async () => {
    const file = write('people', `${header('people')}users:\n  - name: ops\n  - name: sshd\n  - name: ops\n  - name: root\n`);
    const { code, stderr } = await check(file);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'people.yaml:6:11: users[1].name: got "sshd", a user or group the Debian base system already has; expected a new name',
      'people.yaml:7:11: users[2].name: "ops" is listed twice (first as users[0]); expected each user once',
      'people.yaml:8:11: users[3].name: got "root", a user or group the Debian base system already has; expected a new name',
    ]);
  });

  it('checks every argument, naming each bad one in one line, and accepts profile names', async () => {
    mkdirSync(join(dir, 'adir'), { recursive: true });
    const { code, stdout, stderr } = await check(
      'missing.yaml',
      'adir',
      'nope',
      'edge-iot',
      join(import.meta.dirname, '../../../build/profiles/server.yaml'),
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `profile file not found: ${join(dir, 'missing.yaml')}`,
      'adir: is a directory; expected a profile .yaml file',
      'unknown profile "nope"; expected one of: edge-iot, server, workstation (or a path to a .yaml file)',
    ]);
    expect(stdout).toMatch(/^ok \S*profiles\/edge-iot\.yaml: edge-iot /m);
    expect(stdout).toMatch(/^ok \S*profiles\/server\.yaml: server /m);
  });

  it('refuses unknown tags and keys that are not names, with each position and nothing from Node', async () => {
    const { code, stdout, stderr } = await check(
      write('tagged', `${header('tagged').replace('description: d', 'description: !evil x')}[a, b]: 2\n`),
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'tagged.yaml:2:14: tag !evil is not one of the YAML core schema (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map); expected a plain value without a tag',
      'tagged.yaml:4:1: mapping key "[a, b]" is a sequence; expected a name, such as hostname (quote a key to make it text)',
    ]);
  });

  it('passes the shipped profiles by default', async () => {
    const { code, stdout } = await check();
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok .*edge-iot\.yaml/m);
  });
});
