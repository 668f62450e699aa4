import { variables } from './variables.js';

/** The configuration table of docs/configuration.md, generated so docs and code cannot drift apart. */
export function configTable(): string {
  const rows = Object.values(variables).map((v) => {
    const shown = v.default === undefined ? '(unset)' : `\`${v.default}\``;
    return `| \`${v.name}\` | ${shown} | ${v.description} |`;
  });
  return ['| variable | default | what it does |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The same settings as plain text, for an entry point's `--help`. */
export function configText(): string {
  const width = Math.max(...Object.values(variables).map((v) => v.name.length));
  return Object.values(variables)
    .map((v) => `  ${v.name.padEnd(width)}  ${v.description}${v.default === undefined ? '' : `; default ${v.default}`}`)
    .join('\n');
}
