/** Where a request was sent as the server sees it: Fastify's `request.protocol`, `request.host` and `request.url`. */
export interface RequestTarget {
  protocol: string;
  host: string;
  /** The request target as received: path and query. */
  url: string;
}

// RFC 3986 §2.3: a percent-encoded unreserved character is the character itself (§6.2.2.2).
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * An http(s) URI without its query and fragment, normalised as RFC 9449 §4.3 asks before comparing `htu`
 * (RFC 3986 §6.2.2 syntax-based, §6.2.3 scheme-based): scheme and host in lower case, the default port
 * dropped, an empty path as `/`, dot segments removed (all done by the WHATWG parser), then percent-encodings
 * in upper case with unreserved characters decoded. Undefined for anything else, including user info.
 */
export function normaliseHtu(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') return undefined;
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The normalised URI a request was sent to, which a proof's `htu` must name. Behind a proxy the request's own
 * scheme and host are the proxy's view, so a configured public base URL (`https://borg.example.com`, or with a
 * path prefix the proxy strips) replaces them. The path is appended as text, never resolved against the base,
 * so a target such as `//other.host/x` stays a path. Undefined if the target is not in origin form (`/…`).
 */
export function requestHtu(target: RequestTarget, publicBaseUrl?: string): string | undefined {
  if (!target.url.startsWith('/')) return undefined;
  const end = target.url.search(/[?#]/);
  const path = end === -1 ? target.url : target.url.slice(0, end);
  const base = publicBaseUrl === undefined ? `${target.protocol}://${target.host}` : publicBaseUrl.replace(/\/+$/, '');
  return normaliseHtu(base + path);
}
