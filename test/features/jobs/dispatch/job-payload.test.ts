import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_PAYLOAD_HEADER, scriptSha256, signJobPayload } from '../../../../src/features/jobs/dispatch/job-payload.js';
import type { JobPayload } from '../../../../src/features/jobs/dispatch/job-payload.js';
import { openJobSigningKey } from '../../../../src/features/devices/tokens/job-signing-key.js';
import { JobPayloadRefusedError, jobSigningKey, verifyJobPayload } from '../../../../device/client/index.js';
import type { JobRefusalReason, VerifyJobOptions } from '../../../../device/client/index.js';
import { tempDir } from '../../../support/stack.js';

// The server's key as the API opens it, and its public half in the form enrollment hands devices (`signing_key`).
const { privateKey, publicKey: signingKey } = openJobSigningKey(join(tempDir(), 'job-signing-key.pem'));
const now = Date.parse('2031-05-04T10:00:00Z');
const device: VerifyJobOptions = { signingKey, deviceId: 'dev_a', now };
const content = 'echo "héllo from $BORG_RUN_ID"\n';

const payload = (change: Partial<JobPayload> = {}): JobPayload => ({
  v: 1,
  run_id: 'run_1',
  job_id: 'job_1',
  job_name: 'say hello',
  device_id: 'dev_a',
  script: { interpreter: 'sh', content, args: ['--loud'], env: { GREETING: 'hi' }, sha256: scriptSha256(content) },
  timeout_s: 60,
  issued_at: '2031-05-04T09:59:00.000Z',
  expires_at: '2031-05-04T10:05:00.000Z',
  ...change,
});

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const parts = (jws: string): [string, string, string] => jws.split('.') as [string, string, string];

/** A compact JWS over any header and payload text, signed properly: for what signJobPayload would never make. */
function signRaw(header: unknown, body: unknown, key: KeyObject = privateKey): string {
  const input = `${b64(header)}.${b64(body)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/** The signed JWS with its payload changed in transit, its signature kept. */
function tamperPayload(jws: string, change: (body: any) => void): string {
  const [header, body, signature] = parts(jws);
  const decoded = JSON.parse(Buffer.from(body, 'base64url').toString());
  change(decoded);
  return `${header}.${b64(decoded)}.${signature}`;
}

function refusal(jws: string, options: VerifyJobOptions = device): { reason: JobRefusalReason; message: string } {
  try {
    verifyJobPayload(jws, options);
  } catch (error) {
    if (error instanceof JobPayloadRefusedError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('the payload was accepted');
}

describe('a job payload signed by the control plane and verified on the device', () => {
  it('is a compact JWS with exactly the EdDSA / borg-job+jws header, and verifies into the job it carries', () => {
    const jws = signJobPayload(privateKey, payload());
    expect(JSON.parse(Buffer.from(parts(jws)[0], 'base64url').toString())).toEqual({ alg: 'EdDSA', typ: 'borg-job+jws' });
    expect(JOB_PAYLOAD_HEADER).toEqual({ alg: 'EdDSA', typ: 'borg-job+jws' });
    expect(verifyJobPayload(jws, device)).toEqual({
      runId: 'run_1',
      jobId: 'job_1',
      jobName: 'say hello',
      deviceId: 'dev_a',
      script: { interpreter: 'sh', content, args: ['--loud'], env: { GREETING: 'hi' }, sha256: scriptSha256(content) },
      timeoutS: 60,
      issuedAt: Date.parse('2031-05-04T09:59:00Z'),
      expiresAt: Date.parse('2031-05-04T10:05:00Z'),
    });
  });

  it("hashes the script's UTF-8 bytes as lowercase hex", () => {
    expect(scriptSha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(scriptSha256('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });

  it('signs only with an Ed25519 private key', () => {
    expect(() => signJobPayload(generateKeyPairSync('ed25519').publicKey, payload())).toThrow(/Ed25519 private/);
    expect(() => signJobPayload(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, payload())).toThrow(/Ed25519 private/);
  });

  it('accepts the job up to its expiry, by the clock it is given', () => {
    const jws = signJobPayload(privateKey, payload());
    expect(verifyJobPayload(jws, { ...device, now: Date.parse('2031-05-04T10:05:00Z') }).runId).toBe('run_1');
    expect(refusal(jws, { ...device, now: Date.parse('2031-05-04T10:05:00.001Z') })).toEqual({
      reason: 'expired',
      message: 'job payload refused (expired): it expired at 2031-05-04T10:05:00.000Z',
    });
  });

  describe('changed in transit, it fails the signature', () => {
    const jws = signJobPayload(privateKey, payload());
    it.each<[string, (body: any) => void]>([
      ['a byte of the content', (body) => (body.script.content = body.script.content.replace('h', 'H'))],
      [
        'the content and its sha256 together',
        (body) => ((body.script.content = 'rm -rf /'), (body.script.sha256 = scriptSha256('rm -rf /'))),
      ],
      ['the sha256', (body) => (body.script.sha256 = scriptSha256('other'))],
      ['the device id', (body) => (body.device_id = 'dev_b')],
      ['the expiry', (body) => (body.expires_at = '2099-01-01T00:00:00.000Z')],
      ['the args', (body) => body.script.args.push('--quiet')],
    ])('%s', (_, change) => {
      expect(refusal(tamperPayload(jws, change)).reason).toBe('signature');
    });

    it('a flipped bit of the signature, a cut signature, no signature', () => {
      const [header, body, signature] = parts(jws);
      const bytes = Buffer.from(signature, 'base64url');
      bytes[10]! ^= 1;
      expect(refusal(`${header}.${body}.${bytes.toString('base64url')}`).reason).toBe('signature');
      expect(refusal(`${header}.${body}.${signature.slice(0, 40)}`).reason).toBe('signature');
      expect(refusal(`${header}.${body}.`)).toEqual({
        reason: 'signature',
        message: 'job payload refused (signature): the signature does not verify with the job-signing key',
      });
    });
  });

  it('refuses a payload signed with another key', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(refusal(signJobPayload(other, payload())).reason).toBe('signature');
  });

  it.each<[string, unknown]>([
    ['alg none', { alg: 'none', typ: 'borg-job+jws' }],
    ['alg HS256', { alg: 'HS256', typ: 'borg-job+jws' }],
    ['another typ', { alg: 'EdDSA', typ: 'JWT' }],
    ['no typ', { alg: 'EdDSA' }],
    ['an extra member', { alg: 'EdDSA', typ: 'borg-job+jws', kid: 'k1' }],
    ['crit', { alg: 'EdDSA', typ: 'borg-job+jws', crit: ['exp'] }],
  ])('refuses a header with %s, before the signature', (_, header) => {
    const [, body, signature] = parts(signJobPayload(privateKey, payload()));
    expect(refusal(`${b64(header)}.${body}.${signature}`).reason).toBe('header');
    // Signed that way by the right key, it is still refused: the header is part of the contract.
    expect(refusal(signRaw(header, payload())).reason).toBe('header');
    expect(refusal(`${b64(header)}.${body}.`).reason).toBe('header');
  });

  it('refuses a payload the server signed for another device', () => {
    expect(refusal(signJobPayload(privateKey, payload({ device_id: 'dev_b' })))).toEqual({
      reason: 'device',
      message: 'job payload refused (device): it is for device dev_b, not this device (dev_a)',
    });
  });

  it('refuses a signed payload whose sha256 is not that of its content', () => {
    const wrong = payload({ script: { ...payload().script, sha256: scriptSha256('something else') } });
    expect(refusal(signJobPayload(privateKey, wrong))).toMatchObject({ reason: 'sha256', message: expect.stringContaining('hashes to') });
  });

  it('refuses a signed payload that expired before it came', () => {
    expect(refusal(signJobPayload(privateKey, payload({ expires_at: '2031-05-04T09:59:59.999Z' }))).reason).toBe('expired');
  });

  it('refuses any version but 1', () => {
    expect(refusal(signRaw(JOB_PAYLOAD_HEADER, { ...payload(), v: 2 }))).toEqual({
      reason: 'version',
      message: 'job payload refused (version): v is 2; this device reads version 1',
    });
    expect(refusal(signRaw(JOB_PAYLOAD_HEADER, { ...payload(), v: '1' })).reason).toBe('version');
  });

  it.each<[string, (body: any) => void, string]>([
    ['no run_id', (body) => delete body.run_id, 'run_id must be a non-empty string'],
    ['an empty job_id', (body) => (body.job_id = ''), 'job_id must be a non-empty string'],
    ['no script', (body) => delete body.script, 'script must be an object'],
    ['an unknown interpreter', (body) => (body.script.interpreter = 'perl'), 'script.interpreter must be one of sh, bash, python3, node'],
    ['args that are not strings', (body) => (body.script.args = [1]), 'script.args must be an array of strings without NUL'],
    ['an arg with a NUL', (body) => (body.script.args = ['a\0b']), 'script.args must be an array of strings without NUL'],
    ['env with a number', (body) => (body.script.env = { A: 1 }), 'script.env must be an object of strings'],
    ['env with = in a name', (body) => (body.script.env = { 'A=B': 'c' }), 'script.env must be an object of strings'],
    [
      'an uppercase sha256',
      (body) => (body.script.sha256 = body.script.sha256.toUpperCase()),
      'script.sha256 must be 64 lowercase hex digits',
    ],
    ['timeout_s 0', (body) => (body.timeout_s = 0), 'timeout_s must be an integer from 1 to 2147483'],
    ['timeout_s 1.5', (body) => (body.timeout_s = 1.5), 'timeout_s must be an integer'],
    ['timeout_s past what a timer can wait', (body) => (body.timeout_s = 2_147_484), 'timeout_s must be an integer'],
    ['a date that is no ISO date-time', (body) => (body.expires_at = 'May 4, 2031'), 'expires_at must be an ISO 8601 date-time'],
    ['an impossible date', (body) => (body.issued_at = '2031-13-45T10:00:00Z'), 'issued_at must be an ISO 8601 date-time'],
  ])('refuses a signed payload with %s, naming the field', (_, change, message) => {
    const body: any = structuredClone(payload());
    change(body);
    const refused = refusal(signRaw(JOB_PAYLOAD_HEADER, body));
    expect(refused.reason).toBe('malformed');
    expect(refused.message).toContain(message);
  });

  it('refuses what is no compact JWS with JSON objects inside', () => {
    const signed = signJobPayload(privateKey, payload());
    expect(refusal('').reason).toBe('malformed');
    expect(refusal('a.b').reason).toBe('malformed');
    expect(refusal(`${signed}.extra`).reason).toBe('malformed');
    expect(refusal(`${b64('not json')}.${parts(signed)[1]}.${parts(signed)[2]}`).reason).toBe('malformed');
    expect(refusal(signRaw(JOB_PAYLOAD_HEADER, 'not json'))).toEqual({
      reason: 'malformed',
      message: 'job payload refused (malformed): the JWS payload is not a JSON object',
    });
    expect(refusal(signRaw(JOB_PAYLOAD_HEADER, [payload()])).reason).toBe('malformed');
    expect(refusal(undefined as unknown as string).reason).toBe('malformed');
  });

  it('takes the signing key parsed or as enrollment gave it, and throws (no refusal) on a key that is not Ed25519', () => {
    const jws = signJobPayload(privateKey, payload());
    expect(verifyJobPayload(jws, { ...device, signingKey: jobSigningKey(signingKey) }).runId).toBe('run_1');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(() => verifyJobPayload(jws, { ...device, signingKey: p256 })).toThrow('the job-signing key is ec, not Ed25519');
    expect(() => verifyJobPayload(jws, { ...device, signingKey: 'bm90IGEga2V5' })).toThrow(/not a base64 SPKI public key/);
  });
});
