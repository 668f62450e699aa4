import { join } from 'node:path';
import { ensurePrivateDir, readPrivateFile, writePrivateFileAtomic } from './private-files.js';

/** The file under the state directory that holds the credentials, JSON, mode 0600. */
export const CREDENTIALS_FILE = 'credentials.json';

/** What the device holds after enrolling. */
export interface Credentials {
  deviceId: string;
  accessToken: string;
  /** When the access token expires, in milliseconds since the epoch by the device's clock. */
  accessTokenExpiresAt: number;
  refreshToken: string;
  /** base64 SPKI DER of the control plane's Ed25519 job-signing key. */
  signingKey: string;
  /** The last `DPoP-Nonce` the server sent. */
  dpopNonce?: string;
}

/** The file's JSON, in the wire's spelling. */
interface CredentialsFile {
  device_id: string;
  access_token: string;
  access_token_expires_at: string;
  refresh_token: string;
  signing_key: string;
  dpop_nonce?: string;
}

/**
 * `<stateDir>/credentials.json`, and the one in-memory copy of it. Every change is applied to that copy at once
 * and then written whole, one write at a time, each write taking the copy as it is when the write starts: a
 * slow write that started earlier can never put back a refresh token that was rotated since.
 */
export class CredentialsStore {
  readonly file: string;
  private current: Credentials | undefined;
  private loaded: Promise<Credentials | undefined> | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly stateDir: string) {
    this.file = join(stateDir, CREDENTIALS_FILE);
  }

  /** The credentials, read from the file on first use; undefined before the device enrolled. */
  async get(): Promise<Credentials | undefined> {
    this.loaded ??= this.read().then((found) => (this.current ??= found));
    await this.loaded;
    return this.current;
  }

  /**
   * Replaces the credentials in memory at once, and resolves once the file holding them (or a later version) is
   * on disk.
   */
  set(credentials: Credentials): Promise<void> {
    this.current = { ...credentials };
    this.loaded ??= Promise.resolve(this.current);
    return this.flush();
  }

  /**
   * Changes some fields of the credentials in memory at once (call {@link get} first: they must be loaded), and
   * resolves once they are on disk, as {@link set} does.
   */
  update(change: Partial<Credentials>): Promise<void> {
    if (this.current === undefined) return Promise.reject(new Error(`no credentials loaded from ${this.file} to update`));
    return this.set({ ...this.current, ...change });
  }

  private flush(): Promise<void> {
    const write = this.writes
      .catch(() => undefined)
      .then(async () => {
        await ensurePrivateDir(this.stateDir);
        await writePrivateFileAtomic(this.file, `${JSON.stringify(toFile(this.current!), null, 2)}\n`);
      });
    this.writes = write;
    return write;
  }

  private async read(): Promise<Credentials | undefined> {
    const raw = await readPrivateFile(this.file);
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new Error(`${this.file} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    return fromFile(this.file, parsed);
  }
}

function toFile(credentials: Credentials): CredentialsFile {
  return {
    device_id: credentials.deviceId,
    access_token: credentials.accessToken,
    access_token_expires_at: new Date(credentials.accessTokenExpiresAt).toISOString(),
    refresh_token: credentials.refreshToken,
    signing_key: credentials.signingKey,
    ...(credentials.dpopNonce === undefined ? {} : { dpop_nonce: credentials.dpopNonce }),
  };
}

function fromFile(file: string, parsed: unknown): Credentials {
  const data = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const text = (field: keyof CredentialsFile): string => {
    const value = data[field];
    if (typeof value !== 'string' || value === '') throw new Error(`${file}: ${field} must be a non-empty string`);
    return value;
  };
  const deviceId = text('device_id');
  const accessToken = text('access_token');
  const accessTokenExpiresAt = Date.parse(text('access_token_expires_at'));
  if (Number.isNaN(accessTokenExpiresAt)) throw new Error(`${file}: access_token_expires_at must be an ISO time`);
  return {
    deviceId,
    accessToken,
    accessTokenExpiresAt,
    refreshToken: text('refresh_token'),
    signingKey: text('signing_key'),
    ...(data.dpop_nonce === undefined ? {} : { dpopNonce: text('dpop_nonce') }),
  };
}
