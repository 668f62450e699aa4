import { CST, isCollection as isCollectionNode, isMap, isScalar, Parser, visit, type Document, type YAMLError } from 'yaml';

/** A problem found in the YAML itself, at an offset into the text. */
export interface YamlProblem {
  offset: number;
  message: string;
}

/** Deeper than any profile needs, and far below where the YAML library's recursion would overflow the stack. */
export const MAX_NESTING = 64;

/** The YAML 1.2 core schema's tags, by their short names. */
const CORE = ['str', 'int', 'float', 'bool', 'null', 'seq', 'map'];
const CORE_TAGS = CORE.map((name) => `!!${name}`).join(', ');

/**
 * Collections nested deeper than MAX_NESTING, found in the concrete syntax tree (built without recursion) before the
 * document is composed: composing such a file only ends in "Maximum call stack size exceeded". Reported at the
 * outermost collection of the deep chain below the top level: where the nesting starts. `onNewLine` hears every
 * line start, as a LineCounter wants.
 */
export function nestingProblem(text: string, onNewLine: (offset: number) => void): YamlProblem | undefined {
  const pending: { token: CST.Token | undefined; depth: number; origin: number }[] = [];
  for (const token of new Parser(onNewLine).parse(text)) pending.push({ token, depth: 0, origin: 0 });
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth, origin } = next;
    if (token?.type === 'document') pending.push({ token: token.value, depth, origin });
    if (!CST.isCollection(token)) continue;
    const inner = depth + 1;
    const start = inner <= 2 ? token.offset : origin;
    if (inner > MAX_NESTING) {
      return {
        offset: start,
        message: `collections nested more than ${MAX_NESTING} deep from here; expected a profile nested a few levels at most`,
      };
    }
    for (const item of token.items)
      for (const child of [item.key, item.value]) if (child) pending.push({ token: child, depth: inner, origin: start });
  }
  return undefined;
}

/**
 * Where a quoted string that is never closed opened: the YAML library reports it where the text ends, which can be
 * many lines later. Undefined when no quoted scalar ends at `end`.
 */
export function openingQuote(text: string, end: number): number | undefined {
  let found: number | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, ({ key, value }) => {
      for (const node of [key, value]) {
        if ((node?.type === 'double-quoted-scalar' || node?.type === 'single-quoted-scalar') && node.offset + node.source.length === end)
          found = node.offset;
      }
    });
  }
  return found;
}

/** Words for what the library calls a missing character, at the quote that opened the string. */
export function unclosedQuote(text: string, error: YAMLError): YamlProblem | undefined {
  if (error.code !== 'MISSING_CHAR' || !/closing ["']quote/.test(error.message)) return undefined;
  const offset = openingQuote(text, error.pos[0]);
  if (offset === undefined) return undefined;
  const quote = text[offset] ?? '"';
  return { offset, message: `the string opened by ${quote} here is never closed; expected a closing ${quote} on the same value` };
}

/** Tags other than the core schema's, or a core tag on a value it does not fit: the library only warns about either. */
function tagProblems(text: string, doc: Document.Parsed): YamlProblem[] {
  return doc.warnings
    .filter((warning) => warning.code === 'TAG_RESOLVE_FAILED')
    .map((warning) => {
      const tag = text.slice(warning.pos[0], warning.pos[1]).trim() || warning.message;
      const resolved = /tag:yaml\.org,2002:(\w+)$/.exec(warning.message)?.[1];
      const what =
        resolved !== undefined && CORE.includes(resolved)
          ? 'does not fit the value it is on'
          : `is not one of the YAML core schema (${CORE_TAGS})`;
      return { offset: warning.pos[0], message: `tag ${tag} ${what}; expected a plain value without a tag` };
    });
}

const KIND: Record<string, string> = { number: 'a number', boolean: 'a boolean', object: 'null', bigint: 'a number' };

/** Keys that are not strings: a profile's keys are names, and JavaScript would turn a collection key into text. */
function keyProblems(text: string, doc: Document.Parsed): YamlProblem[] {
  const found: YamlProblem[] = [];
  visit(doc, {
    Pair(_, pair, path) {
      const key = pair.key;
      if (isScalar(key) && typeof key.value === 'string') return;
      const map = path.at(-1);
      const offset = (isScalar(key) || isCollectionNode(key) ? key.range?.[0] : undefined) ?? (isMap(map) ? (map.range?.[0] ?? 0) : 0);
      const written = (range: readonly number[] | null | undefined): string =>
        JSON.stringify(range ? text.slice(range[0], range[1]).slice(0, 40) : '');
      const what = isScalar(key)
        ? `${written(key.range)} is ${KIND[typeof key.value] ?? typeof key.value}`
        : isCollectionNode(key)
          ? `${written(key.range)} is a ${isMap(key) ? 'mapping' : 'sequence'}`
          : 'is missing';
      found.push({ offset, message: `mapping key ${what}; expected a name, such as hostname (quote a key to make it text)` });
    },
  });
  return found;
}

/** Numbers that do not hold a finite value: JSON, and so every later check, would see null. */
function numberProblems(doc: Document.Parsed): YamlProblem[] {
  const found: YamlProblem[] = [];
  visit(doc, {
    Scalar(_, scalar) {
      if (typeof scalar.value !== 'number' || Number.isFinite(scalar.value)) return;
      const written = scalar.source ?? String(scalar.value);
      const why = /^[-+]?\.(inf|nan)$/i.test(written) ? 'is not a finite number' : 'is too large for a number (it reads as infinity)';
      found.push({ offset: scalar.range?.[0] ?? 0, message: `${written} ${why}; expected a finite number, or quotes to make it text` });
    },
  });
  return found;
}

/** What the document says that a profile cannot mean: unknown tags, keys that are not names, numbers out of range. */
export function documentProblems(text: string, doc: Document.Parsed): YamlProblem[] {
  return [...tagProblems(text, doc), ...keyProblems(text, doc), ...numberProblems(doc)].sort((a, b) => a.offset - b.offset);
}
