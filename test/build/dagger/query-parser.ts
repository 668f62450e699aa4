/**
 * Reads the GraphQL documents the Dagger TypeScript SDK sends. The SDK only ever sends one
 * chain of single-field selections (optionally through `node(id:) { ... on Type { } }`),
 * so a query parses into the list of fields along that chain with their arguments.
 */

export type ArgValue = string | number | boolean | null | ArgValue[] | { [key: string]: ArgValue };

export interface Selection {
  readonly field: string;
  readonly args: Record<string, ArgValue>;
}

type Token =
  | { kind: 'punct'; value: string }
  | { kind: 'name'; value: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (/\s|,/.test(ch)) {
      i += 1;
    } else if (source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', value: '...' });
      i += 3;
    } else if ('{}()[]:'.includes(ch)) {
      tokens.push({ kind: 'punct', value: ch });
      i += 1;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      tokens.push({ kind: 'string', value: JSON.parse(source.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (/[-0-9]/.test(ch)) {
      const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(source.slice(i));
      if (!match) throw new Error(`bad number at ${i}: ${source.slice(i, i + 20)}`);
      tokens.push({ kind: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_]\w*/.exec(source.slice(i));
      tokens.push({ kind: 'name', value: match?.[0] ?? '' });
      i += match?.[0].length ?? 1;
    } else {
      throw new Error(`unexpected character ${JSON.stringify(ch)} at ${i}`);
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private next(): Token {
    const token = this.tokens[this.pos];
    if (token === undefined) throw new Error('unexpected end of query');
    this.pos += 1;
    return token;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private expect(value: string): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.value !== value) throw new Error(`expected "${value}", got ${JSON.stringify(token)}`);
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token?.kind === 'punct' && token.value === value;
  }

  private value(): ArgValue {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'name') {
      if (token.value === 'true' || token.value === 'false') return token.value === 'true';
      if (token.value === 'null') return null;
      return token.value; // an enum value
    }
    if (token.value === '[') {
      const list: ArgValue[] = [];
      while (!this.isPunct(']')) list.push(this.value());
      this.expect(']');
      return list;
    }
    if (token.value === '{') {
      const object: Record<string, ArgValue> = {};
      while (!this.isPunct('}')) {
        const key = this.next();
        this.expect(':');
        object[String(key.value)] = this.value();
      }
      this.expect('}');
      return object;
    }
    throw new Error(`unexpected ${JSON.stringify(token)} in a value`);
  }

  /** `{ field(args) { ... } }` → the chain of fields. */
  selectionChain(): Selection[] {
    this.expect('{');
    if (this.isPunct('...')) {
      this.next();
      const on = this.next();
      if (on.value !== 'on') throw new Error('expected "on" after "..."');
      this.next(); // the type name
      const chain = this.selectionChain();
      this.expect('}');
      return chain;
    }
    const name = this.next();
    if (name.kind !== 'name') throw new Error(`expected a field name, got ${JSON.stringify(name)}`);
    const args: Record<string, ArgValue> = {};
    if (this.isPunct('(')) {
      this.next();
      while (!this.isPunct(')')) {
        const key = this.next();
        this.expect(':');
        args[String(key.value)] = this.value();
      }
      this.expect(')');
    }
    const rest = this.isPunct('{') ? this.selectionChain() : [];
    this.expect('}');
    return [{ field: name.value, args }, ...rest];
  }
}

/** Parses one SDK query into its chain of selections; throws on anything else. */
export function parseQueryChain(query: string): Selection[] {
  return new Parser(tokenize(query.trim())).selectionChain();
}
