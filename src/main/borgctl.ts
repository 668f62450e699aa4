import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { changeEntry, HEAD_PATTERN, verifyChain } from '../audit/chain.js';
import { JournalIngester } from '../audit/ingest.js';
import { journalDir } from '../audit/journal.js';
import { rotateTokenKeys, tokenKeysFile } from '../features/devices/tokens/signing-keys.js';
import { followEvents, StreamRefused } from '../features/events/client/follow.js';
import { eventLine } from '../features/events/client/line.js';
import { ApiKeys } from '../features/operators/api-keys.js';
import { ROLES } from '../features/operators/api-key-repository.js';
import { loadConfig } from '../core/config/config.js';
import { variables } from '../core/config/variables.js';
import { closeDatabase } from '../core/db/database.js';
import { DISPLAY_TEXT_RULE, isDisplayText } from '../core/display-text.js';
import { DISPLAY_NAME_LENGTH } from '../http/schemas/text.js';
import { UsageError } from '../core/errors.js';
import { openMigratedDatabase } from '../core/db/open.js';
import { AuditLogRepository } from '../audit/audit-log.js';
import type { Role } from '../features/operators/api-key-repository.js';
import { createLogger } from '../core/logging/logger.js';
import { runMain } from '../core/process/main.js';

/** Where `npm start` serves the API. */
const DEFAULT_API_URL = 'http://127.0.0.1:8080';

const HELP = `borgctl: operator tasks; all but events work on the database file directly (no API needed)

usage: npm run borgctl -- <command> [options]

commands:
  audit verify [--head H]          move journaled decisions into the audit log, then recompute its hash
                                   chain; exit 1 naming the first broken link. With --head, a head an
                                   earlier verify printed and you kept elsewhere, also exit 1 unless the
                                   chain still holds it (entries removed from its end leave no broken link)
  keys create --name N --role R    mint an operator API key (R: admin, operator, reader), e.g. when the admin key is lost
  device-keys rotate               sign device access tokens with a new key from now on; the old key keeps verifying
                                   until the last token it signed has expired (15 minutes), and running APIs pick the
                                   change up at their next token
  events [--types T,U] [--after ID] [--url URL]
                                   follow the API's live event stream (GET /events), one line per event, until
                                   Ctrl-C; reconnects after a drop or an API restart and resumes where it was.
                                   --types: exact types or prefixes such as run.*; --after: start after this event
                                   id (0: every event kept), else new events only; --url: default ${DEFAULT_API_URL}.
                                   The operator key (any role) is read from BORG_OPERATOR_KEY

The database is the one BORG_DATA_DIR points at (default ./data); events needs the API, not the database.
Exit codes: 0 done, 1 the audit chain is broken or cut short, 2 the command line or BORG_DATA_DIR is wrong,
or the API refused the event stream.
`;

const COMMANDS = ['audit verify', 'keys create', 'device-keys rotate', 'events'];

const OPTIONS = {
  name: { type: 'string' },
  role: { type: 'string' },
  head: { type: 'string' },
  types: { type: 'string' },
  after: { type: 'string' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse() {
  try {
    return parseArgs({ allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; see npm run borgctl -- --help`);
  }
}

/** Everything wrong with the command line is said before the database is looked for. */
function checkUsage(command: string, values: ReturnType<typeof parse>['values']): void {
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command "${command}"; see npm run borgctl -- --help`);
  if (command !== 'events' && [values.types, values.after, values.url].some((v) => v !== undefined)) {
    throw new UsageError('--types, --after and --url are options of events');
  }
  if (values.after !== undefined && !/^\d{1,15}$/.test(values.after)) {
    throw new UsageError(`--after must be an event id, a whole number, got "${values.after}"`);
  }
  if (values.url !== undefined && !URL.canParse(values.url)) throw new UsageError(`--url must be the API's URL, got "${values.url}"`);
  if (values.head !== undefined && command !== 'audit verify') throw new UsageError('--head is an option of audit verify');
  if (values.head !== undefined && !HEAD_PATTERN.test(values.head)) {
    throw new UsageError(`--head must be the 64 lowercase hex characters an earlier audit verify printed as head, got "${values.head}"`);
  }
  if (command !== 'keys create') return;
  if (!values.name) throw new UsageError('keys create needs --name');
  // POST /api-keys's rule, from the schema of its name: the name is shown in key lists and the audit log whoever made it.
  // Counted in code points, as the schema's maxLength is; the name itself is not echoed, as it may be a terminal escape.
  const { minLength, maxLength } = DISPLAY_NAME_LENGTH;
  if ([...values.name].length > maxLength || !isDisplayText(values.name)) {
    throw new UsageError(`--name must be ${minLength} to ${maxLength} characters of ${DISPLAY_TEXT_RULE}`);
  }
  if (values.role === undefined) throw new UsageError(`keys create needs --role, one of ${ROLES.join(', ')}`);
  if (!(ROLES as readonly string[]).includes(values.role))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${values.role}"`);
}

/** `events`: the API's event stream in the terminal, until Ctrl-C. */
async function followFromTerminal(values: ReturnType<typeof parse>['values']): Promise<void> {
  const key = process.env.BORG_OPERATOR_KEY;
  if (!key) throw new UsageError('events needs an operator API key (any role) in BORG_OPERATOR_KEY');
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  try {
    await followEvents({
      url: values.url ?? DEFAULT_API_URL,
      key,
      types: values.types?.split(','),
      after: values.after === undefined ? undefined : Number(values.after),
      onEvent: (event) => process.stdout.write(`${eventLine(event)}\n`),
      onNotice: (text) => process.stderr.write(`borgctl: ${text}\n`),
      signal: controller.signal,
    });
  } catch (err) {
    if (err instanceof StreamRefused) throw new UsageError(err.message);
    throw err;
  }
}

runMain('borgctl', async () => {
  const { positionals, values } = parse();
  const command = positionals.join(' ');
  if (values.help || command === '' || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  checkUsage(command, values);
  if (command === 'events') return followFromTerminal(values);
  // Looked for before the config is read: reading it creates a missing data dir, and a mistyped BORG_DATA_DIR
  // must not leave one behind. Opening would create an empty database, and the advice would then be to migrate it.
  const dbFile = join(resolve(process.env.BORG_DATA_DIR || variables.dataDir.default!), 'borg.db');
  if (!existsSync(dbFile)) throw new UsageError(`no database at ${dbFile}; set BORG_DATA_DIR to the control plane's data directory`);
  const config = loadConfig();
  const db = openMigratedDatabase({
    file: config.dbFile,
    autoMigrate: false,
    log: createLogger({ log: { ...config.log, level: 'warn', file: undefined } }),
  });
  try {
    if (command === 'audit verify') {
      // Decisions still in the journal (the API is running, or stopped hard) are moved into the chain first.
      const moved = new JournalIngester(db, journalDir(config.dbFile)).ingest();
      if (moved.rows > 0) process.stdout.write(`moved ${moved.rows} journaled decisions into the audit log\n`);
      const report = verifyChain(new AuditLogRepository(db).rows(), values.head);
      if (report.ok) {
        process.stdout.write(
          `audit chain intact: ${report.checked} entries, head ${report.head}${values.head ? '; it holds the kept head' : ''}\n`,
        );
      } else if ('missing_head' in report) {
        process.stdout.write(`audit chain CUT SHORT: ${report.missing_head.problem}; its head is now ${report.head}\n`);
        process.exitCode = 1;
      } else {
        const { seq, id, problem } = report.first_broken;
        process.stdout.write(`audit chain BROKEN at seq ${seq} (${id}): ${problem}; ${report.checked} entries before it are intact\n`);
        process.exitCode = 1;
      }
    } else if (command === 'device-keys rotate') {
      const file = tokenKeysFile(config.dataDir);
      if (!existsSync(file)) throw new UsageError(`no device token keys at ${file}; the API makes them at its first start`);
      const kid = rotateTokenKeys(file);
      new AuditLogRepository(db).append(changeEntry({ actor: 'cli:borgctl', requestId: null }, 'device_token_key.rotated', { kid }));
      process.stdout.write(`device tokens are now signed with key ${kid}; the previous key verifies until its tokens expire\n`);
    } else {
      const { key, record } = new ApiKeys(db).create({ actor: 'cli:borgctl', requestId: null }, values.name!, values.role as Role);
      process.stdout.write(`created ${record.role} key ${record.id} (${record.name}); store it now, it is not shown again:\n${key}\n`);
    }
  } finally {
    closeDatabase(db);
  }
});
