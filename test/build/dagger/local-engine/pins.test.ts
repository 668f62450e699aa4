import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DAGGER_VERSION } from '../../../../build/dagger/local-engine/lib/pins.js';

const json = (file: string) => JSON.parse(readFileSync(new URL(`../../../../${file}`, import.meta.url), 'utf8'));

describe('one Dagger version everywhere', () => {
  const version = DAGGER_VERSION.replace(/^v/, '');

  it("dagger.json's engineVersion is the engine the harness builds: a newer one refuses to load on it", () => {
    expect(json('dagger.json').engineVersion).toBe(DAGGER_VERSION);
  });

  it('the TypeScript SDK the module and its type-check use is that version, pinned exactly', () => {
    expect(json('build/dagger/package.json').dependencies['@dagger.io/dagger']).toBe(version);
    expect(json('package.json').devDependencies['@dagger.io/dagger']).toBe(version);
    expect(json('node_modules/@dagger.io/dagger/package.json').version).toBe(version);
  });
});
