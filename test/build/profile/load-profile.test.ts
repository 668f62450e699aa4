import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../build/profile/catalog.js';
import { listProfiles, loadProfile, profilePath, SERVICES_DIR } from '../../../build/profile/load-profile.js';
import { ProfileError } from '../../../build/profile/profile-error.js';

const dir = mkdtempSync(join(tmpdir(), 'borg-profiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const catalog = loadCatalog(SERVICES_DIR);

function write(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

function errorOf(run: () => unknown): ProfileError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProfileError) return error;
    throw error;
  }
  throw new Error('expected a ProfileError');
}

const loadFixture = (name: string, text: string): ProfileError => errorOf(() => loadProfile(write(name, text), catalog, dir));

describe('shipped profiles', () => {
  it.each(['edge-iot', 'workstation', 'server'])('%s loads with the base services first', (name) => {
    const profile = loadProfile(profilePath(name), catalog);
    expect(profile.name).toBe(name);
    const services = profile.services.map((s) => s.service);
    expect(services.slice(0, 3)).toEqual(['borg-ready', 'network', 'node-runtime']);
    expect(services).toEqual(expect.arrayContaining(['ssh', 'nginx', 'chrony']));
  });

  it('lists at least the three required profiles', () => {
    expect(listProfiles()).toEqual(expect.arrayContaining(['edge-iot', 'server', 'workstation']));
  });

  it('fills defaults the device owner left out', () => {
    const profile = loadProfile(write('minimal', 'profile: minimal\ndescription: d\nservices: [ssh]\n'), catalog, dir);
    expect(profile).toMatchObject({
      hostname: 'borgos-minimal',
      locale: 'C.UTF-8',
      timezone: 'Etc/UTC',
      runtime: [],
      offlineModel: null,
      packages: [],
    });
  });
});

describe('broken profiles', () => {
  it('names an unknown service with its position, a suggestion and the catalog', () => {
    const error = loadFixture('typo', 'profile: typo\ndescription: d\nservices:\n  - ssh\n  - ngnix\n');
    expect(error.message).toBe(
      'typo.yaml:5:5: services[1]: unknown service "ngnix" (did you mean "nginx"?); expected one of: borg-ready, chrony, network, nginx, node-runtime, ssh',
    );
  });

  it('reports a wrong type with the value it got and the type expected', () => {
    const error = loadFixture('types', 'profile: types\ndescription: d\nservices: ssh\nhostname: 42\n');
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual([
      '3:11 services: got string "ssh"; expected array',
      '4:11 hostname: got integer 42; expected string',
    ]);
  });

  it('reports schema errors and unknown services from one run, in file order', () => {
    const error = loadFixture('both', 'profile: both\ndescription: d\nservices: [ssh, ngnix]\nhostname: 42\n');
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.message.split(';')[0]}`)).toEqual([
      '3:17 services[1]: unknown service "ngnix" (did you mean "nginx"?)',
      '4:11 hostname: got integer 42',
    ]);
  });

  it('reports a YAML syntax error at the line it happens', () => {
    const error = loadFixture('syntax', 'profile: syntax\ndescription: d\nservices: [ssh, nginx\n');
    expect(error.issues[0]).toMatchObject({ file: 'syntax.yaml', line: 4, col: 1 });
    expect(error.issues[0]?.message).toMatch(/^YAML syntax error: Flow sequence .* end with a \]$/);
  });

  it('reports a duplicate key at its second occurrence', () => {
    const error = loadFixture('dup', 'profile: dup\ndescription: d\nservices: [ssh]\nservices: [nginx]\n');
    expect(error.message).toBe('dup.yaml:4:1: duplicate key services; expected each key at most once per mapping');
  });

  it('reports an unknown key at the key and lists the allowed ones', () => {
    const error = loadFixture('extra', 'profile: extra\ndescription: d\nservices: [ssh]\nservice: [nginx]\n');
    expect(error.message).toMatch(/^extra\.yaml:4:1: service: unknown key "service"; expected one of: profile, description, services, /);
  });

  it('reports a malformed value with what was expected', () => {
    const error = loadFixture('badhost', 'profile: badhost\ndescription: d\nservices: [ssh]\nhostname: "my host"\n');
    expect(error.message).toBe(
      'badhost.yaml:4:11: hostname: got "my host"; expected host name: a DNS label (letters, digits, dashes, at most 63 characters)',
    );
  });

  it('says in words what a value must be, once, and cuts a long value short', () => {
    const long = 'x'.repeat(10_000);
    const error = loadFixture('words', `profile: words\ndescription: "${long}"\nservices: [ssh]\npackages: ["foo bar"]\nusers: [null]\n`);
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual([
      `2:14 description: got "${'x'.repeat(59)}… (10002 characters); expected at most 200 characters`,
      '4:12 packages[0]: got "foo bar"; expected a Debian package name: at least 2 characters, lowercase letters, digits, +, - and ., starting with a letter or digit',
      '5:9 users[0]: got null; expected object',
    ]);
    expect(loadFixture('empty', 'profile: empty\ndescription: ""\nservices: [ssh]\n').message).toBe(
      'empty.yaml:2:14: description: got ""; expected a non-empty string',
    );
    expect(loadFixture('lines', 'profile: lines\ndescription: "one\\ntwo"\nservices: [ssh]\n').message).toBe(
      'lines.yaml:2:14: description: got "one\\ntwo"; expected one line saying what the appliance is for',
    );
  });

  it('refuses aliases that multiply, and bytes that are not UTF-8, naming the file', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, next] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
      ['f', 'g'],
    ])
      levels.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    const bomb = loadFixture('bomb', `profile: bomb\ndescription: d\nservices: [ssh]\n${levels.join('\n')}\n`);
    expect(bomb.message).toMatch(
      /^bomb\.yaml:1:1: YAML aliases that expand too far \(.+\); expected a profile without aliases that multiply$/,
    );
    const dangling = loadFixture('dangling', 'profile: dangling\ndescription: d\nservices: [ssh]\npackages: *extra\n');
    expect(dangling.message).toBe('dangling.yaml:4:11: alias *extra names no anchor before it; expected &extra on an earlier value');

    const file = join(dir, 'latin1.yaml');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('profile: latin1\ndescription: "caf'), Buffer.from([0xe9]), Buffer.from('"\nservices: [ssh]\n')]),
    );
    expect(errorOf(() => loadProfile(file, catalog, dir)).message).toBe(
      'latin1.yaml:2:18: bytes that are not UTF-8; expected a UTF-8 text file',
    );
  });

  it('refuses a tag outside the YAML core schema at the tag, and a core tag on a value it does not fit', () => {
    const error = loadFixture(
      'tags',
      'profile: tags\ndescription: !evil x\nservices: !custom [ssh]\npackages: [!!binary aGk=]\nlocale: !!str [C]\n',
    );
    const core = '(!!str, !!int, !!float, !!bool, !!null, !!seq, !!map); expected a plain value without a tag';
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual([
      `2:14 tag !evil is not one of the YAML core schema ${core}`,
      `3:11 tag !custom is not one of the YAML core schema ${core}`,
      `4:12 tag !!binary is not one of the YAML core schema ${core}`,
      '5:9 tag !!str does not fit the value it is on; expected a plain value without a tag',
    ]);
    const plain = loadProfile(
      write('coretags', 'profile: coretags\ndescription: !!str d\nservices: !!seq [! ssh]\nhostname: !<tag:yaml.org,2002:str> box\n'),
      catalog,
      dir,
    );
    expect([plain.description, plain.services.at(-1)?.service, plain.hostname]).toEqual(['d', 'ssh', 'box']);
  });

  it('reports keys that are not strings at the key, without a warning from Node', () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const error = loadFixture(
        'keys',
        'profile: keys\ndescription: d\nservices: [ssh]\n1: one\n[a, b]: two\n? {c: 3}\n: three\nusers:\n  - true: yes\n',
      );
      expect(error.issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual([
        '4:1 mapping key "1" is a number; expected a name, such as hostname (quote a key to make it text)',
        '5:1 mapping key "[a, b]" is a sequence; expected a name, such as hostname (quote a key to make it text)',
        '6:3 mapping key "{c: 3}" is a mapping; expected a name, such as hostname (quote a key to make it text)',
        '9:5 mapping key "true" is a boolean; expected a name, such as hostname (quote a key to make it text)',
      ]);
    } finally {
      process.off('warning', onWarning);
    }
    // Warnings are emitted on the next tick.
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => expect(warnings).toEqual([]));
  });

  it('says what is wrong where it starts: nesting too deep, a number out of range, a quote never closed', () => {
    const deep = loadFixture('deep', `profile: deep\ndescription: d\nservices: [ssh]\npackages: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    expect(deep.message).toBe(
      'deep.yaml:4:11: collections nested more than 64 deep from here; expected a profile nested a few levels at most',
    );
    const block = Array.from({ length: 100 }, (_, i) => `${'  '.repeat(i + 1)}-\n`).join('');
    expect(loadFixture('block', `profile: block\ndescription: d\nservices: [ssh]\npackages:\n${block}`).message).toBe(
      'block.yaml:5:3: collections nested more than 64 deep from here; expected a profile nested a few levels at most',
    );
    // 64 levels are allowed by the YAML reader; the schema then says what is wrong with the value.
    expect(
      loadFixture('nested', `profile: nested\ndescription: d\nservices: [ssh]\npackages: ${'['.repeat(63)}${']'.repeat(63)}\n`).message,
    ).toMatch(/^nested\.yaml:4:12: packages\[0\]: got array/);

    expect(loadFixture('huge', 'profile: huge\ndescription: d\nservices: [ssh]\nhostname: 1e400\nlocale: -.inf\n').message).toBe(
      [
        'huge.yaml:4:11: 1e400 is too large for a number (it reads as infinity); expected a finite number, or quotes to make it text',
        'huge.yaml:5:9: -.inf is not a finite number; expected a finite number, or quotes to make it text',
      ].join('\n'),
    );
    expect(loadFixture('quote', 'profile: quote\ndescription: "abc\nservices: [ssh]\nhostname: x\n').message).toBe(
      'quote.yaml:2:14: the string opened by " here is never closed; expected a closing " on the same value',
    );
    expect(loadFixture('single', "profile: single\ndescription: d\nservices: [ssh]\nhostname: 'box\n").message).toBe(
      "single.yaml:4:11: the string opened by ' here is never closed; expected a closing ' on the same value",
    );
  });

  it('reports a missing required key and a value outside an enum', () => {
    const error = loadFixture('missing', 'profile: missing\nservices: [ssh]\nruntime: [agent, brain]\n');
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual([
      '1:1 top level: missing required key "description"',
      '3:18 runtime[1]: got "brain"; expected one of: "agent", "mcp", "webui", "com-monitor"',
    ]);
  });

  it('requires the profile name to match the file name', () => {
    const error = loadFixture('named', 'profile: other\ndescription: d\nservices: [ssh]\n');
    expect(error.message).toBe('named.yaml:1:10: profile: got "other"; expected "named" to match the file name');
  });

  it('rejects a name that is not a shipped profile', () => {
    expect(() => profilePath('no-such-profile')).toThrow(/unknown profile "no-such-profile"; expected one of: .*edge-iot/);
  });
});

describe('service catalog', () => {
  it('refuses a file path that climbs out of the image with ..', () => {
    const services = join(dir, 'climbing');
    mkdirSync(services);
    writeFileSync(join(services, 'evil.yaml'), 'service: evil\ndescription: d\nfiles:\n  - path: /../../etc/cron.d/oops\n    content: x\n');
    const error = errorOf(() => loadCatalog(services, dir));
    expect(error.message).toBe(
      'climbing/evil.yaml:4:11: files[0].path: got "/../../etc/cron.d/oops"; expected absolute path inside the image, without . or .. segments',
    );
    writeFileSync(
      join(services, 'evil.yaml'),
      'service: evil\ndescription: d\nfiles:\n  - path: /etc/skel/.profile.d/x..y\n    content: x\n',
    );
    expect(loadCatalog(services, dir).get('evil')?.files?.[0]?.path).toBe('/etc/skel/.profile.d/x..y');
  });

  it('reports a broken service file with its position', () => {
    const services = join(dir, 'services');
    mkdirSync(services);
    writeFileSync(join(services, 'web.yaml'), 'service: web\ndescription: d\nfiles:\n  - path: /etc/x\n    mode: 644\n    content: x\n');
    const error = errorOf(() => loadCatalog(services, dir));
    expect(error.message).toBe('services/web.yaml:5:11: files[0].mode: got integer 644; expected string');
  });
});
