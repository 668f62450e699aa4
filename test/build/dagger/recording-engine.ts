import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseQueryChain, type ArgValue, type Selection } from './query-parser.js';

/** One query the SDK sent, parsed. */
export interface RecordedQuery {
  readonly query: string;
  readonly chain: Selection[];
}

/** A GraphQL error to answer instead of data, the way the engine reports a failed exec. */
export interface ExecFailure {
  readonly message: string;
  readonly exitCode: number;
  readonly stderr: string;
}

/**
 * A stand-in for the Dagger engine's session endpoint: the SDK posts each query to
 * POST /query with HTTP basic auth (the session token as user). This server records the
 * queries and answers with the minimum the SDK needs to carry on: a fresh ID for `id` and
 * `sync`, the registered text for a file's `contents`, a string for other scalars. IDs map back to the chain that made them, so a test
 * can see what a mounted cache, file or directory argument really was.
 */
export class RecordingEngine {
  readonly queries: RecordedQuery[] = [];
  /** What `contents` answers for a file, by the path the module asked for. */
  readonly files = new Map<string, string>();
  private readonly ids = new Map<string, Selection[]>();
  private server: Server | undefined;
  private failWhen: ((chain: Selection[]) => ExecFailure | undefined) | undefined;

  constructor(readonly token: string) {}

  async start(): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server?.close((err) => (err ? reject(err) : resolve())));
  }

  /** Answer queries whose chain matches with an exec error (a failing stage). */
  failOn(predicate: (chain: Selection[]) => ExecFailure | undefined): void {
    this.failWhen = predicate;
  }

  /** The chain that produced an ID this engine handed out. */
  resolve(id: ArgValue | undefined): Selection[] {
    const chain = typeof id === 'string' ? this.ids.get(id) : undefined;
    if (chain === undefined) throw new Error(`not an ID this engine issued: ${JSON.stringify(id)}`);
    return chain;
  }

  /** Queries that ask for something other than an object's ID: the ones a function's result triggers. */
  get evaluations(): RecordedQuery[] {
    return this.queries.filter((q) => q.chain.at(-1)?.field !== 'id');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const expectedAuth = `Basic ${Buffer.from(`${this.token}:`).toString('base64')}`;
    if (req.method !== 'POST' || req.url !== '/query') return this.reply(res, 404, { message: 'not found' });
    if (req.headers.authorization !== expectedAuth) return this.reply(res, 401, { message: 'unauthorized' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { query } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string };
    let chain: Selection[];
    try {
      chain = parseQueryChain(query);
    } catch (err) {
      return this.reply(res, 200, { data: null, errors: [{ message: `unparseable query: ${String(err)}` }] });
    }
    this.queries.push({ query, chain });
    const failure = this.failWhen?.(chain);
    if (failure) {
      const exec = [...chain].reverse().find((s) => s.field === 'withExec');
      return this.reply(res, 200, {
        data: null,
        errors: [
          {
            message: failure.message,
            extensions: { _type: 'EXEC_ERROR', cmd: exec?.args.args ?? [], exitCode: failure.exitCode, stdout: '', stderr: failure.stderr },
          },
        ],
      });
    }
    this.reply(res, 200, { data: { result: this.answer(chain) } });
  }

  private answer(chain: Selection[]): ArgValue {
    const leaf = chain.at(-1);
    switch (leaf?.field) {
      case 'id':
      case 'sync': {
        const id = `ID#${this.ids.size + 1}`;
        this.ids.set(id, chain.slice(0, -1));
        return id;
      }
      case 'publish':
        return `${leaf.args.address as string}@sha256:${'0'.repeat(64)}`;
      case 'stdout':
        return 'stdout of the last exec';
      case 'contents':
        return this.files.get(selectionsOf(chain, 'file').at(-1)?.args.path as string) ?? null;
      default:
        return null;
    }
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** The selections named `field` along a chain. */
export const selectionsOf = (chain: Selection[], field: string): Selection[] => chain.filter((s) => s.field === field);

/** The argv of every withExec along a chain, in order. */
export const execsOf = (chain: Selection[]): string[][] => selectionsOf(chain, 'withExec').map((s) => s.args.args as string[]);
