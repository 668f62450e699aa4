import { Type } from 'typebox';
import { EVENT_TYPES } from '../../core/events/types.js';

const MAX_ID = Number.MAX_SAFE_INTEGER;

export const eventStreamQuery = Type.Object(
  {
    types: Type.Optional(
      Type.String({
        maxLength: 2000,
        pattern: '^[a-z0-9_.*, ]+$',
        description: `Only these types, comma-separated: exact names, or a prefix such as \`run.*\`. An unknown one is a 400. The types: ${Object.keys(EVENT_TYPES).join(', ')}`,
      }),
    ),
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_ID,
        description:
          'Start after this event id (0: every event still kept). The Last-Event-ID header wins over it. Neither: new events only',
      }),
    ),
  },
  { additionalProperties: false },
);

export const eventStreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_ID, description: 'Resume after this event id: the id of the last event received' }),
  ),
});

/** The reply as the API document shows it: a stream, not a JSON body. */
export const eventStreamReply = {
  description:
    'Server-Sent Events: `id: <id>`, `event: <type>`, `data: {"id","type","subject","data","at"}` per event, oldest first; a comment every 15 s keeps proxies from closing the connection',
  content: { 'text/event-stream': { schema: Type.String() } },
};
