import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { OpenAPIV3 } from 'openapi-types';
import { WarningBudget } from '../../core/logging/warning-budget.js';

/** An onRequest hook that admits the request, or throws the DomainError that refuses it. */
export type AuthHook = (request: FastifyRequest) => Promise<void>;

/** What a route's auth hook means in the API document. */
export interface HookDoc {
  /** Who calls the routes behind it ('engine', 'operator', …): their OpenAPI tags. */
  audiences: string[];
  /** For tools, e.g. `x-required-role`. */
  extensions?: Record<`x-${string}`, unknown>;
  /** For people: appended to the route's description. */
  note?: string;
}

/** One way a caller proves who it is. Each feature registers its own, so http/ knows none of them. */
export interface AuthScheme {
  name: string;
  /** Who presents these credentials; the tag of the routes that admit them. */
  audience: string;
  /** How the API document describes these credentials. */
  securitySchemes: Record<string, OpenAPIV3.SecuritySchemeObject>;
  /** The request carries some of this scheme's credentials, complete or not. */
  presents(request: FastifyRequest): boolean;
  /** Admits the request and sets its principal, or throws the DomainError that refuses it. */
  authenticate: AuthHook;
  /** The audit actor of a request this scheme admitted (`engine:<id>`), or undefined. */
  actor(request: FastifyRequest): string | undefined;
  /** What admitting with this scheme alone means in the document, e.g. the least role it lets in. */
  doc?: Omit<HookDoc, 'audiences'>;
}

export interface AuthRegistry {
  register(scheme: AuthScheme): void;
  readonly schemes: readonly AuthScheme[];
  /**
   * An onRequest hook that admits any of the named schemes: the first whose credentials the request presents
   * authenticates it; a request that presents none is refused by the last, which asks for its own.
   */
  anyOf(...names: string[]): AuthHook;
  /** Records what a hook means in the API document, and returns it. */
  document<H extends object>(hook: H, doc: HookDoc): H;
  /** A warning about refused credentials, logged on a budget (a stranger can cause it at will); flushed at close. */
  refusalLog(message: string): WarningBudget;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthRegistry;
  }
}

/** Refused credentials logged one by one each minute; the rest are counted in one line. */
export const REFUSALS_LOGGED_PER_MINUTE = 20;

const docs = new WeakMap<object, HookDoc | (() => HookDoc)>();

/** What the first documented auth hook of a route's onRequest means; undefined for a route without one. */
export function hookDoc(onRequest: unknown): HookDoc | undefined {
  for (const hook of [onRequest ?? []].flat()) {
    const doc = typeof hook === 'function' ? docs.get(hook) : undefined;
    if (doc) return typeof doc === 'function' ? doc() : doc;
  }
  return undefined;
}

/** A request header, when sent and not empty. */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Zero trust: every route but /health names a hook of this registry as its onRequest, so nothing is parsed or validated for a stranger. */
export default fp(
  async (app: FastifyInstance) => {
    const schemes: AuthScheme[] = [];
    const wanted = new Set<string>();
    const budgets: WarningBudget[] = [];
    const named = (name: string): AuthScheme => {
      const scheme = schemes.find((s) => s.name === name);
      if (!scheme) throw new Error(`no authentication scheme "${name}" is registered`);
      return scheme;
    };

    const registry: AuthRegistry = {
      schemes,
      register(scheme) {
        if (schemes.some((s) => s.name === scheme.name)) throw new Error(`authentication scheme "${scheme.name}" is registered twice`);
        schemes.push(scheme);
      },
      anyOf(...names) {
        names.forEach((name) => wanted.add(name));
        // Looked up on first use: a feature may ask for a scheme whose feature registers later.
        let chosen: AuthScheme[] | undefined;
        const hook: AuthHook = async (request) => {
          chosen ??= names.map(named);
          const scheme = chosen.find((s) => s.presents(request)) ?? chosen.at(-1)!;
          await scheme.authenticate(request);
        };
        docs.set(hook, () => {
          const those = names.map(named);
          const notes = those.map((s) => s.doc?.note).filter((n) => n !== undefined);
          return {
            audiences: those.map((s) => s.audience),
            extensions: Object.assign({}, ...those.map((s) => s.doc?.extensions)) as HookDoc['extensions'],
            ...(notes.length > 0 ? { note: notes.join(' ') } : {}),
          };
        });
        return hook;
      },
      document(hook, doc) {
        docs.set(hook, doc);
        return hook;
      },
      refusalLog(message) {
        // At warn, so it shows on quiet routes too: a revoked or guessed credential in use is what an operator must see.
        const budget = new WarningBudget(app.log, message, REFUSALS_LOGGED_PER_MINUTE, 60_000);
        budgets.push(budget);
        return budget;
      },
    };
    app.decorate('auth', registry);
    // A hook naming a scheme nobody registered would fail every request it guards: fail the start instead.
    app.addHook('onReady', async () => {
      wanted.forEach(named);
    });
    app.addHook('onClose', async () => budgets.forEach((b) => b.flush()));
  },
  { name: 'auth' },
);

/** The audit actor for whoever made this request. */
export function actorOf(request: FastifyRequest): { actor: string; requestId: string } {
  let actor: string | undefined;
  for (const scheme of request.server.auth.schemes) actor ??= scheme.actor(request);
  return { actor: actor ?? 'anonymous', requestId: request.id };
}
