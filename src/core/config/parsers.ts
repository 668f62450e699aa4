import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { isIP, isIPv4 } from 'node:net';
import { dirname, resolve } from 'node:path';

/** A parser turns a raw env string into a value or throws with what is allowed. */
export type Parser<T> = (raw: string) => T;

export class InvalidValue extends Error {}

export const port: Parser<number> = (raw) => {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new InvalidValue('expected an integer port from 0 to 65535');
  }
  return Number(raw);
};

export function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new InvalidValue(`expected an integer from ${min} to ${max}`);
    }
    return Number(raw);
  };
}

export function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (raw) => {
    const value = raw.toLowerCase();
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidValue(`expected one of ${allowed.join(', ')}`);
    }
    return value as T;
  };
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

export const boolean: Parser<boolean> = (raw) => {
  const value = raw.toLowerCase();
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new InvalidValue(`expected a boolean (${[...TRUE, ...FALSE].join(', ')})`);
};

export const host: Parser<string> = (raw) => {
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(raw)) {
    throw new InvalidValue('expected a hostname or IP address');
  }
  // Digits and dots only is meant as an IPv4 address; otherwise it would be looked up as a name and fail late.
  if (/^[\d.]+$/.test(raw) && isIPv4(raw) === false) throw new InvalidValue('expected a hostname or IP address; this is no IPv4 address');
  return raw;
};

/** `host:port`, as Temporal's SDK expects it. */
export const hostPort: Parser<string> = (raw) => {
  // A URL is the likeliest mistake here, and its host part would be refused with a message about hostnames.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new InvalidValue('expected host:port without a scheme, e.g. localhost:7233');
  const match = /^(.+):(\d+)$/.exec(raw);
  if (!match?.[1] || !match[2]) throw new InvalidValue('expected host:port, e.g. localhost:7233');
  host(match[1]);
  port(match[2]);
  return raw;
};

export const nonEmpty: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new InvalidValue('expected a non-empty string');
  return raw;
};

/** Size with an optional k/m/g suffix, in the form pino-roll accepts. */
export const size: Parser<string> = (raw) => {
  if (!/^\d+[kmg]?$/i.test(raw)) throw new InvalidValue('expected a size like 512k, 10m or 1g');
  return raw.toLowerCase();
};

function describe(err: unknown): string {
  if (err instanceof Error) return 'code' in err ? String(err.code) : err.message;
  return String(err);
}

/** Node 20's `mkdirSync(…, { recursive: true })` spins forever under /proc, so walk the parents ourselves. */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
    makeDir(dirname(dir));
    mkdirSync(dir);
  }
}

const DIR_EXPECTED = 'expected a directory BorgOS can create, read and write';
const FILE_EXPECTED = 'expected a file path in a directory BorgOS can create and write';

/** Where a missing `dir` would be made: the nearest of it and its parents that exists. */
function nearestExisting(dir: string): string {
  let path = dir;
  while (!existsSync(path) && dirname(path) !== path) path = dirname(path);
  return path;
}

/** Checked without creating anything, so a start refused for another setting leaves nothing behind. */
function checkDir(dir: string): void {
  const existing = nearestExisting(dir);
  if (!statSync(existing).isDirectory()) throw new Error('ENOTDIR');
  accessSync(existing, existing === dir ? constants.R_OK | constants.W_OK | constants.X_OK : constants.W_OK | constants.X_OK);
}

/** A directory BorgOS may read and write, or create; `createDir` makes it once every setting is valid. */
export const writableDir: Parser<string> = (raw) => {
  const dir = resolve(raw);
  try {
    checkDir(dir);
  } catch (err) {
    throw new InvalidValue(`${DIR_EXPECTED} (${describe(err)})`);
  }
  return dir;
};

export function createDir(dir: string): void {
  try {
    makeDir(dir);
  } catch (err) {
    throw new InvalidValue(`${DIR_EXPECTED} (${describe(err)})`);
  }
}

/** A file path whose directory is writable or can be made (the file itself may not exist yet); `createFileDir` makes it. */
export const writableFile: Parser<string> = (raw) => {
  const file = resolve(raw);
  try {
    checkDir(dirname(file));
  } catch {
    throw new InvalidValue(FILE_EXPECTED);
  }
  return file;
};

export function createFileDir(file: string): void {
  try {
    makeDir(dirname(file));
  } catch {
    throw new InvalidValue(FILE_EXPECTED);
  }
}

/** A regular file this process may access with `mode`, named in errors as `what`. */
const fileWith =
  (mode: number, what: string): Parser<string> =>
  (raw) => {
    const file = resolve(raw);
    try {
      accessSync(file, mode);
      if (!statSync(file).isFile()) throw new Error('EISDIR');
    } catch (err) {
      throw new InvalidValue(`expected ${what} (${describe(err)})`);
    }
    return file;
  };

/** A program BorgOS runs: a file it may execute, not merely read. */
export const executableFile = fileWith(constants.X_OK, 'an executable file');

export const readableFile = fileWith(constants.R_OK, 'a readable file');

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration such as 90s, 15m, 24h or 30d, in whole seconds from `min` to `max` (both in seconds). */
export function duration(min: number, max: number): Parser<number> {
  const words = (s: number) =>
    s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
  return (raw) => {
    const match = /^(\d+)([smhd])$/.exec(raw.trim().toLowerCase());
    const seconds = match ? Number(match[1]) * UNIT_S[match[2]!]! : NaN;
    if (!(seconds >= min && seconds <= max)) {
      throw new InvalidValue(`expected a duration from ${words(min)} to ${words(max)}, written like 90s, 15m, 24h or 30d`);
    }
    return seconds;
  };
}

/** An absolute http(s) URL without query or fragment, kept without a trailing slash. */
export const baseUrl: Parser<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidValue('expected an absolute URL such as https://borg.example.com');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new InvalidValue('expected an http(s) URL without user, query or fragment, such as https://borg.example.com/api');
  }
  return url.href.replace(/\/+$/, '');
};

/** Comma-separated IP addresses or CIDR ranges (`10.0.0.0/8`), as Fastify's trustProxy takes them. */
export const addressList: Parser<string[]> = (raw) => {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    const [address, bits, extra] = item.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      throw new InvalidValue(`expected IP addresses or CIDR ranges separated by commas; "${item}" is neither`);
    }
  }
  if (items.length === 0) throw new InvalidValue('expected at least one IP address or CIDR range');
  return items;
};
