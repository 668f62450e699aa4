import { Type } from 'typebox';

/** A resource id in the path; the router caps every path parameter at the same 100 characters (plugins/errors.ts). */
export const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
