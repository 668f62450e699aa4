import { configTable } from '../core/config/docs.js';

/** `npm run config:docs`: prints the configuration table to paste into docs/configuration.md. */
process.stdout.write(`${configTable()}\n`);
