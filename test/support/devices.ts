import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { TestStack } from './engine-control.js';

/** A device as the protocol sees it, held by the test: its Ed25519 key and what the server gave it. */
export interface TestDevice {
  privateKey: KeyObject;
  /** Standard base64 SPKI DER: the agent_pubkey. */
  spki: string;
  fingerprint: string;
  jwk: Record<string, string>;
  reference?: string;
  serverNonce?: string;
  deviceId?: string;
  accessToken?: string;
  refreshToken?: string;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** A heartbeat body the schema accepts. */
export const heartbeatBody = {
  agent_version: '0.1.0',
  os: 'Debian GNU/Linux 12',
  kernel: '6.1.0-28-amd64',
  profile: 'edge-iot',
  uptime_s: 42,
  services: [{ name: 'borg-agent', state: 'running' }],
};

export function newDevice(): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKey,
    spki: der.toString('base64'),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    jwk: publicKey.export({ format: 'jwk' }) as Record<string, string>,
  };
}

export const nonce = (bytes = 16) => randomBytes(bytes).toString('base64');

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A DPoP proof as the device library makes it; `claims` and `header` entries replace the defaults (undefined removes one). */
export function dpopProof(
  device: TestDevice,
  method: string,
  url: string,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): string {
  const target = new URL(url);
  const payload = {
    jti: randomUUID(),
    htm: method,
    htu: `${target.origin}${target.pathname}`,
    iat: Math.floor(Date.now() / 1000),
    ...(device.accessToken ? { ath: createHash('sha256').update(device.accessToken).digest('base64url') } : {}),
    ...claims,
  };
  const input = `${part({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519', x: device.jwk.x }, ...header })}.${part(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), device.privateKey).toString('base64url')}`;
}

async function send(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<Reply> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export function enrollRequest(
  stack: { url: string },
  device: TestDevice,
  code: string,
  hostname: string,
  extra: Record<string, unknown> = {},
) {
  return send(
    `${stack.url}/api/agent/enroll/request`,
    'POST',
    {},
    {
      hostname,
      enrollment_code: code,
      agent_pubkey: device.spki,
      client_nonce: nonce(),
      ...extra,
    },
  ).then((reply) => {
    if (reply.status === 200) {
      device.reference = reply.body.approval_reference;
      device.serverNonce = reply.body.server_nonce;
    }
    return reply;
  });
}

/** The poll body with a fresh client nonce and its proof; `clientNonce` repeats one on purpose. */
export function pollBody(device: TestDevice, clientNonce = nonce()) {
  const input = Buffer.concat([
    Buffer.from(device.serverNonce!, 'base64'),
    Buffer.from(device.reference!, 'utf8'),
    Buffer.from(clientNonce, 'base64'),
  ]);
  return {
    approval_reference: device.reference!,
    client_nonce: clientNonce,
    proof_sig: sign(null, input, device.privateKey).toString('base64'),
  };
}

export async function poll(stack: { url: string }, device: TestDevice, body = pollBody(device)): Promise<Reply> {
  const reply = await send(`${stack.url}/api/agent/enroll/poll`, 'POST', {}, body);
  if (reply.status === 200 && reply.body.status === 'approved') {
    device.deviceId = reply.body.device_id;
    device.accessToken = reply.body.access_token;
    device.refreshToken = reply.body.refresh_token;
  }
  return reply;
}

/** Polls until the enrollment is no longer pending (or `ms` pass). */
export async function pollUntilSettled(stack: { url: string }, device: TestDevice, ms = 30_000): Promise<Reply> {
  const deadline = Date.now() + ms;
  for (;;) {
    const reply = await poll(stack, device);
    if (reply.status !== 200 || reply.body.status !== 'pending' || Date.now() > deadline) return reply;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A call to a device resource with the device's access token and a fresh proof; `proof` replaces the DPoP header. */
export function deviceCall(
  stack: { url: string },
  device: TestDevice,
  method: string,
  path: string,
  body?: unknown,
  opts: { proof?: string | string[] | null; authorization?: string } = {},
): Promise<Reply> {
  const url = `${stack.url}${path}`;
  const authorization = opts.authorization ?? `DPoP ${device.accessToken}`;
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const proof = opts.proof === undefined ? dpopProof(device, method, url) : opts.proof;
  if (typeof proof === 'string') headers.dpop = proof;
  if (Array.isArray(proof)) return sendRepeated(url, method, headers, proof, body);
  return send(url, method, headers, body);
}

/** Node's fetch joins repeated headers; this sends two DPoP header lines as a raw request. */
async function sendRepeated(
  url: string,
  method: string,
  headers: Record<string, string>,
  proofs: string[],
  body?: unknown,
): Promise<Reply> {
  const { request } = await import('node:http');
  const payload = body === undefined ? '' : JSON.stringify(body);
  const target = new URL(url);
  const rawHeaders: string[] = ['host', target.host];
  for (const [k, v] of Object.entries(headers)) rawHeaders.push(k, v);
  for (const p of proofs) rawHeaders.push('dpop', p);
  if (payload) rawHeaders.push('content-type', 'application/json', 'content-length', String(Buffer.byteLength(payload)));
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method, headers: rawHeaders }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: new Headers(res.headers as Record<string, string>),
          body: text ? JSON.parse(text) : undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Trades the device's refresh token; `proof` replaces the DPoP header. */
export async function refresh(stack: { url: string }, device: TestDevice, opts: { token?: string; proof?: string } = {}): Promise<Reply> {
  const url = `${stack.url}/api/agent/token/refresh`;
  const saved = device.accessToken;
  device.accessToken = undefined;
  const proof = opts.proof ?? dpopProof(device, 'POST', url);
  device.accessToken = saved;
  const reply = await send(url, 'POST', { dpop: proof }, { refresh_token: opts.token ?? device.refreshToken });
  if (reply.status === 200) {
    device.accessToken = reply.body.access_token;
    device.refreshToken = reply.body.refresh_token;
  }
  return reply;
}

/** An install code from the operator API. */
export async function installCode(stack: TestStack, body: Record<string, unknown> = {}): Promise<string> {
  const res = await stack.call('POST', '/install-codes', { body: { ttl_s: 3600, max_uses: 10, tags: ['lab'], ...body } });
  if (res.status !== 201) throw new Error(`install code: ${JSON.stringify(res.body)}`);
  return res.body.code as string;
}

/** A device enrolled end to end through an auto-approving code: it holds its tokens. */
export async function enrolledDevice(stack: TestStack, hostname = `dev-${randomUUID().slice(0, 8)}`): Promise<TestDevice> {
  const device = newDevice();
  const code = await installCode(stack, { auto_approve: true });
  const request = await enrollRequest(stack, device, code, hostname);
  if (request.status !== 200) throw new Error(`enroll request: ${JSON.stringify(request.body)}`);
  const reply = await pollUntilSettled(stack, device);
  if (reply.body?.status !== 'approved') throw new Error(`enrollment: ${reply.status} ${JSON.stringify(reply.body)}`);
  return device;
}
