import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, parseDocument, visit, type Document, type Node } from 'yaml';
import { ProfileError, type ProfileIssue } from './profile-error.js';
import { documentProblems, nestingProblem, unclosedQuote, type YamlProblem } from './yaml-checks.js';

/** A parsed YAML file that can say where any value in it came from. */
export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  data: unknown;
  /** Issue located at the node for `path` (or the nearest parent that exists). */
  issueAt(path: readonly (string | number)[], message: string, atKey?: boolean): ProfileIssue;
}

const firstLine = (message: string): string => (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');

function describeYamlError(code: string, message: string, source: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^[^\s:#]+|^"[^"]*"|^'[^']*'/.exec(source.slice(offset))?.[0] ?? '?';
    return `duplicate key ${key}; expected each key at most once per mapping`;
  }
  return `YAML syntax error: ${firstLine(message)}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** How many alias expansions a file may cause; a profile needs none, and the yaml library's default is as strict. */
const MAX_ALIAS_COUNT = 100;

/** The file's text; bytes that are not UTF-8 are refused where they are, not quietly read as U+FFFD. */
function readUtf8(file: string, displayName: string): string {
  const bytes = readFileSync(file);
  try {
    return utf8.decode(bytes);
  } catch {
    const before = bytes.toString('utf8').split('\uFFFD')[0] ?? '';
    const lines = before.split('\n');
    throw new ProfileError([
      {
        file: displayName,
        line: lines.length,
        col: (lines.at(-1)?.length ?? 0) + 1,
        message: 'bytes that are not UTF-8; expected a UTF-8 text file',
      },
    ]);
  }
}

/** Parses `file` as YAML; syntax errors and duplicate keys become a ProfileError with positions. */
export function readYamlSource(file: string, displayName = file): YamlSource {
  const text = readUtf8(file, displayName);
  const lineCounter = new LineCounter();
  const at = (offset: number, message: string): ProfileIssue => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: displayName, line, col, message };
  };
  const located = (problems: readonly YamlProblem[]): ProfileError => new ProfileError(problems.map((p) => at(p.offset, p.message)));
  // Before composing, which recurses and would overflow the stack; this parse also fills the line counter.
  const nesting = nestingProblem(text, lineCounter.addNewLine);
  if (nesting) throw located([nesting]);
  // Known YAML 1.1 tags (!!binary, !!set, …) are not resolved, so they are refused like any other tag outside the core schema.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, resolveKnownTags: false });
  if (doc.errors.length > 0) {
    throw located(
      doc.errors.map((e) => unclosedQuote(text, e) ?? { offset: e.pos[0], message: describeYamlError(e.code, e.message, text, e.pos[0]) }),
    );
  }
  if (!isMap(doc.contents)) {
    throw new ProfileError([at(doc.contents?.range[0] ?? 0, 'expected a mapping of keys to values at the top level')]);
  }
  const problems = documentProblems(text, doc);
  if (problems.length > 0) throw located(problems);

  const issueAt = (path: readonly (string | number)[], message: string, atKey = false): ProfileIssue => {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      if (atKey && depth === path.length && depth > 0) {
        const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === prefix[prefix.length - 1]);
          const keyNode = pair?.key as Node | undefined;
          if (keyNode?.range) return at(keyNode.range[0], message);
        }
      }
      const node = (depth === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
      if (node?.range) return at(node.range[0], message);
    }
    return at(0, message);
  };

  const unresolved: ProfileIssue[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (!alias.resolve(doc))
        unresolved.push(
          at(alias.range?.[0] ?? 0, `alias *${alias.source} names no anchor before it; expected &${alias.source} on an earlier value`),
        );
    },
  });
  if (unresolved.length > 0) throw new ProfileError(unresolved);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // Aliases that expand beyond reason (a "billion laughs" file) are refused only here, by count.
    throw new ProfileError([
      at(0, `YAML aliases that expand too far (${(err as Error).message}); expected a profile without aliases that multiply`),
    ]);
  }
  return { file: displayName, doc, data, issueAt };
}
