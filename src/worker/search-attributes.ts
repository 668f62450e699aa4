import { searchAttributeKeys as deviceAttributes } from '../features/devices/enrollment/search-attributes.js';
import { searchAttributeKeys as engineAttributes } from '../features/engines/flows/search-attributes.js';
import { searchAttributeKeys as jobAttributes } from '../features/jobs/flows/search-attributes.js';

/** Every feature's search attributes, registered by the worker before it takes work; each key once. */
export const searchAttributeKeys = [
  ...new Map([...engineAttributes, ...deviceAttributes, ...jobAttributes].map((key) => [key.name, key])).values(),
];
