import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable } from '../../../src/core/config/docs.js';
import { variables } from '../../../src/core/config/variables.js';

describe('docs/configuration.md table', () => {
  it('lists every variable exactly as the code defines it (run npm run config:docs to refresh)', () => {
    const page = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const section = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(page)?.[1];
    expect(section).toBe(configTable());
    for (const v of Object.values(variables)) expect(section).toContain(`\`${v.name}\``);
  });
});
