import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ProfileIssue } from './profile-error.js';
import type { YamlSource } from './yaml-source.js';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });

export function compileSchema(schema: object): ValidateFunction {
  return ajv.compile(schema);
}

const MAX_SHOWN = 80;

/** A value as JSON, cut short: an error line that echoes a megabyte of description helps nobody. */
const shown = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length <= MAX_SHOWN ? json : `${json.slice(0, MAX_SHOWN - 20)}… (${json.length} characters)`;
};

/** The value and its type, once: "got null", not "got null null". */
const gotValue = (value: unknown): string => (value === null ? 'null' : `${typeName(value)} ${shown(value)}`);

/** A field's description as the "expected" part of an error: its default is no help in fixing the value. */
const expected = (description: string): string => description.replace(/; default .*$/, '');

/** Ajv's words for length and count limits, made into what the value should be. */
function limit(keyword: string, n: number): string | undefined {
  switch (keyword) {
    case 'minLength':
      return n === 1 ? 'a non-empty string' : `at least ${n} characters`;
    case 'maxLength':
      return `at most ${n} characters`;
    case 'minItems':
      return n === 1 ? 'at least one entry' : `at least ${n} entries`;
    case 'maxItems':
      return `at most ${n} entries`;
    default:
      return undefined;
  }
}

const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;

const pathOf = (instancePath: string): (string | number)[] =>
  instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));

const label = (path: readonly (string | number)[]): string =>
  path.length === 0 ? 'top level' : path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

function describe(error: ErrorObject, path: readonly (string | number)[]): { path: (string | number)[]; message: string; atKey: boolean } {
  const where = label(path);
  const parent = error.parentSchema as { description?: string; enum?: unknown[] } | undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return {
        path: [...path],
        atKey: false,
        message: `${where}: got ${gotValue(error.data)}; expected ${String(params.type).replaceAll(',', ' or ')}`,
      };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).join(', ');
      return {
        path: [...path, key],
        atKey: true,
        message: `${label([...path, key])}: unknown key ${shown(key)}; expected one of: ${allowed}`,
      };
    }
    case 'required':
      return { path: [...path], atKey: false, message: `${where}: missing required key ${shown(params.missingProperty)}` };
    case 'enum':
      return {
        path: [...path],
        atKey: false,
        message: `${where}: got ${shown(error.data)}; expected one of: ${(parent?.enum ?? []).map((v) => shown(v)).join(', ')}`,
      };
    case 'pattern':
      return {
        path: [...path],
        atKey: false,
        message: `${where}: got ${shown(error.data)}; expected ${parent?.description ? expected(parent.description) : `a value matching ${String(params.pattern)}`}`,
      };
    case 'uniqueItems':
      return {
        path: [...path, Number(params.i)],
        atKey: false,
        message: `${where}: ${shown((error.data as unknown[])[Number(params.i)])} is listed twice; expected each entry once`,
      };
    default: {
      const words = limit(error.keyword, Number(params.limit));
      return {
        path: [...path],
        atKey: false,
        message: `${where}: got ${shown(error.data)}; expected ${words ?? `a value that ${error.message ?? 'matches the schema'}`}`,
      };
    }
  }
}

/** Validates the YAML data against `validate`; returns one located issue per schema violation. */
export function schemaIssues(source: YamlSource, validate: ValidateFunction): ProfileIssue[] {
  if (validate(source.data)) return [];
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((error) => {
      const { path, message, atKey } = describe(error, pathOf(error.instancePath));
      return source.issueAt(path, message, atKey);
    });
}
