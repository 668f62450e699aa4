import { Type } from 'typebox';
import { DISPLAY_TEXT_RULE } from '../../core/display-text.js';

/** How long a display name may be, counted in code points as the schema's maxLength counts them. */
export const DISPLAY_NAME_LENGTH = { minLength: 1, maxLength: 100 } as const;

/** A name shown to operators: not blank, no control characters (the 'display-text' format, plugins/validation.ts). */
export const displayName = Type.String({ ...DISPLAY_NAME_LENGTH, format: 'display-text', description: `A name: ${DISPLAY_TEXT_RULE}` });
