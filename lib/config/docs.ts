import { variables } from './variables.js';

/** The README's configuration table, generated so docs and code cannot drift apart. */
export function configTable(): string {
  const rows = Object.values(variables).map((v) => {
    const shown = v.default === undefined ? '(unset)' : `\`${v.default}\``;
    return `| \`${v.name}\` | ${shown} | ${v.description} |`;
  });
  return ['| variable | default | what it does |', '| --- | --- | --- |', ...rows].join('\n');
}
