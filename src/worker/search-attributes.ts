import { searchAttributeKeys as engineAttributes } from '../features/engines/workflows/search-attributes.js';

/** Every feature's search attributes, registered by the worker before it takes work. */
export const searchAttributeKeys = [...engineAttributes];
