import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Agent, request } from 'node:http';

/**
 * The device side of the protocol, as much of it as the devices benchmark needs: the same messages as
 * test/support/devices.ts, with typed answers, and a keep-alive HTTP client light enough to load the API with.
 */
export interface BenchDevice {
  privateKey: KeyObject;
  /** Standard base64 SPKI DER: the agent_pubkey. */
  spki: string;
  /** The public key's x, for the proofs' jwk. */
  x: string;
  hostname: string;
  reference?: string;
  serverNonce?: string;
  deviceId?: string;
  accessToken?: string;
  /** base64url(SHA-256(access token)): the `ath` of proofs sent with it. */
  ath?: string;
  refreshToken?: string;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export function newDevice(hostname: string): BenchDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    x: publicKey.export({ format: 'jwk' }).x!,
    hostname,
  };
}

const nonce = (): string => randomBytes(16).toString('base64');
const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A DPoP proof (EdDSA) for `htu`; with `withToken`, bound to the device's current access token by `ath`. */
export function dpopProof(device: BenchDevice, method: string, htu: string, withToken: boolean): string {
  const payload = {
    jti: randomUUID(),
    htm: method,
    htu,
    iat: Math.floor(Date.now() / 1000),
    ...(withToken ? { ath: device.ath } : {}),
  };
  const input = `${part({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519', x: device.x } })}.${part(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), device.privateKey).toString('base64url')}`;
}

/** Keeps what a token answer (poll or refresh) gave the device. */
export function takeTokens(device: BenchDevice, body: Record<string, unknown>): void {
  device.accessToken = String(body.access_token);
  device.ath = createHash('sha256').update(device.accessToken).digest('base64url');
  device.refreshToken = String(body.refresh_token);
}

/** What `send` may add to a request: a query after the path, a JSON body, headers, and a callback once it is sent. */
export interface SendOptions {
  query?: string;
  body?: unknown;
  headers?: Record<string, string>;
  onSent?: () => void;
}

/** One request over `agent`'s kept-alive sockets; the answer's body parsed as JSON ({} when empty). */
export function send(agent: Agent, method: 'GET' | 'POST', url: string, options: SendOptions = {}): Promise<Reply> {
  const payload = options.body === undefined ? '' : JSON.stringify(options.body);
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${options.query ?? ''}`,
        method,
        headers: {
          ...options.headers,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          try {
            resolve({ status: res.statusCode!, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.onSent) req.on('finish', options.onSent);
    req.end(payload);
  });
}

/** One JSON POST over `agent`'s kept-alive sockets. */
export const post = (agent: Agent, url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  send(agent, 'POST', url, { body, headers });

export const keepAlive = (sockets: number): Agent => new Agent({ keepAlive: true, maxSockets: sockets });

/** POST /api/agent/enroll/request; keeps the approval reference and server nonce. */
export async function enrollRequest(agent: Agent, base: string, device: BenchDevice, code: string): Promise<Reply> {
  const reply = await post(agent, `${base}/api/agent/enroll/request`, {
    hostname: device.hostname,
    enrollment_code: code,
    agent_pubkey: device.spki,
    client_nonce: nonce(),
  });
  if (reply.status === 200) {
    device.reference = String(reply.body.approval_reference);
    device.serverNonce = String(reply.body.server_nonce);
  }
  return reply;
}

/** POST /api/agent/enroll/poll with a fresh client nonce signed by the device key; keeps the credentials once approved. */
export async function poll(agent: Agent, base: string, device: BenchDevice): Promise<Reply> {
  const clientNonce = nonce();
  const input = Buffer.concat([
    Buffer.from(device.serverNonce!, 'base64'),
    Buffer.from(device.reference!, 'utf8'),
    Buffer.from(clientNonce, 'base64'),
  ]);
  const reply = await post(agent, `${base}/api/agent/enroll/poll`, {
    approval_reference: device.reference,
    client_nonce: clientNonce,
    proof_sig: sign(null, input, device.privateKey).toString('base64'),
  });
  if (reply.status === 200 && reply.body.status === 'approved') {
    device.deviceId = String(reply.body.device_id);
    takeTokens(device, reply.body);
  }
  return reply;
}
