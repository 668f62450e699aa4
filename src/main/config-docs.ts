import { configTable } from '../core/config/docs.js';

/** `npm run config:docs`: prints the configuration table to paste into the README. */
process.stdout.write(`${configTable()}\n`);
