import { randomBytes } from 'node:crypto';
import { changeEntry } from '../../../audit/chain.js';
import type { Actor } from '../../../audit/chain.js';
import { AuditLogRepository } from '../../../audit/audit-log.js';
import { hashSecret, newId, nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { DomainError } from '../../../core/errors.js';
import { EnrollmentRepository } from '../repositories/enrollments.js';
import type { EnrollmentRow } from '../repositories/enrollments.js';
import { DeviceRepository } from '../repositories/devices.js';
import type { DeviceRow } from '../repositories/devices.js';
import { issueAccessToken } from './access-token.js';
import type { TokenAudience } from './access-token.js';
import { ACCESS_TOKEN_TTL_S } from './lifetimes.js';
import { RefreshRepository } from '../repositories/refresh-tokens.js';
import type { DeviceTokenKeys } from './signing-keys.js';

/** What a device receives at enrollment and at every refresh (OAuth 2.0 token response, RFC 9449 §5). */
export interface IssuedTokens {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  token_type: 'DPoP';
}

export interface RefreshLifetimes {
  /** A refresh token unused this long is dead. */
  idleS: number;
  /** A family ends this long after it began (the enrollment), used or not. */
  absoluteS: number;
}

/** OAuth's `invalid_grant` (RFC 6749 §5.2): the device can only enroll again. Why, only the server log says in full. */
const invalidGrant = (message: string) => new DomainError('invalid', 'invalid_grant', message);

const plusSeconds = (iso: string, s: number) => new Date(Date.parse(iso) + s * 1000).toISOString();

/**
 * Device credentials: the first pair at enrollment, then rotation of refresh tokens (RFC 9700 §4.14.2). A
 * refresh token is 256 random bits, stored as its SHA-256 and bound to the device's DPoP key. Each one works
 * once; presenting one that was used already revokes its whole family.
 */
export class DeviceTokens {
  private readonly refresh: RefreshRepository;
  private readonly devices: DeviceRepository;
  private readonly enrollments: EnrollmentRepository;
  private readonly audit: AuditLogRepository;

  constructor(
    private readonly db: Db,
    private readonly keys: DeviceTokenKeys,
    private readonly audience: TokenAudience,
    private readonly lifetimes: RefreshLifetimes,
    private readonly log: (fields: Record<string, unknown>, message: string) => void,
  ) {
    this.refresh = new RefreshRepository(db);
    this.devices = new DeviceRepository(db);
    this.enrollments = new EnrollmentRepository(db);
    this.audit = new AuditLogRepository(db);
  }

  /** A new refresh token in `familyId`, good until idle or until the family ends. */
  private newRefreshToken(familyId: string, familyExpiresAt: string, now: string): string {
    const token = `brt_${randomBytes(32).toString('base64url')}`;
    const idle = plusSeconds(now, this.lifetimes.idleS);
    this.refresh.insertToken({
      token_hash: hashSecret(token),
      family_id: familyId,
      created_at: now,
      expires_at: idle < familyExpiresAt ? idle : familyExpiresAt,
    });
    return token;
  }

  private async withAccessToken(device: Pick<DeviceRow, 'id' | 'token_version' | 'jkt'>, refreshToken: string): Promise<IssuedTokens> {
    const { token } = await issueAccessToken(this.keys, this.audience, {
      deviceId: device.id,
      tokenVersion: device.token_version,
      jkt: device.jkt,
    });
    return { access_token: token, expires_in: ACCESS_TOKEN_TTL_S, refresh_token: refreshToken, token_type: 'DPoP' };
  }

  /**
   * Hands an approved enrollment its device's first credentials, once: a second collection is refused, so a
   * proof replayed by someone else never yields a second pair.
   */
  async deliver(by: Actor, enrollment: EnrollmentRow): Promise<{ device_id: string } & IssuedTokens> {
    const { device, refreshToken } = this.db
      .transaction(() => {
        const now = nowIso();
        if (!this.enrollments.markDelivered(enrollment.reference, now)) {
          throw new DomainError(
            'conflict',
            'credentials_delivered',
            'the credentials of this enrollment were handed out already; they go out once',
          );
        }
        const device = enrollment.device_id ? this.devices.get(enrollment.device_id) : undefined;
        if (!device)
          throw new DomainError(
            'conflict',
            'device_gone',
            'the device of this enrollment was purged before it collected its credentials; enroll again',
          );
        const familyId = newId('rtf');
        const expiresAt = plusSeconds(now, this.lifetimes.absoluteS);
        this.refresh.insertFamily({ id: familyId, device_id: device.id, jkt: device.jkt, created_at: now, expires_at: expiresAt });
        const refreshToken = this.newRefreshToken(familyId, expiresAt, now);
        this.audit.append(changeEntry(by, 'token_family.issued', { family_id: familyId, device_id: device.id, expires_at: expiresAt }));
        return { device, refreshToken };
      })
      .immediate();
    return { device_id: device.id, ...(await this.withAccessToken(device, refreshToken)) };
  }

  /**
   * Trades a refresh token for a new pair; the caller has checked the DPoP proof made with key `jkt`. Audited as the token's device. Of two
   * refreshes with one token, the first to commit wins; the other is a reuse like any replay: refused, and the
   * family revoked, since the server cannot tell a race from theft.
   */
  async rotate(requestId: string, presented: string, jkt: string): Promise<IssuedTokens> {
    const outcome = this.db
      .transaction((): { device: DeviceRow; refreshToken: string } | { refused: DomainError; why: string } => {
        const now = nowIso();
        const row = this.refresh.find(hashSecret(presented));
        if (!row) return { refused: invalidGrant('the refresh token is not known'), why: 'unknown' };
        const { family } = row;
        const by: Actor = { actor: `device:${family.device_id}`, requestId };
        if (family.revoked_at) {
          return {
            refused: invalidGrant('the refresh token was revoked; the device must enroll again'),
            why: `family revoked: ${family.revoked_reason}`,
          };
        }
        // A proof with another key: whoever sent it does not hold the device's key, so the family stays.
        if (family.jkt !== jkt) return { refused: invalidGrant('the refresh token is bound to another key'), why: 'proof key differs' };
        if (row.rotated_at) {
          this.refresh.revokeFamily(family.id, 'reuse', now);
          const details = { family_id: family.id, device_id: family.device_id, rotated_at: row.rotated_at };
          this.audit.append(changeEntry(by, 'refresh.reuse_detected', details));
          this.audit.append(changeEntry(by, 'token_family.revoked', { ...details, reason: 'reuse' }));
          return {
            refused: invalidGrant('the refresh token was used already: its whole family is revoked, and the device must enroll again'),
            why: 'reuse',
          };
        }
        if (row.expires_at <= now || family.expires_at <= now) {
          return { refused: invalidGrant('the refresh token has expired; the device must enroll again'), why: 'expired' };
        }
        const device = this.devices.get(family.device_id)!;
        if (device.status === 'revoked') return { refused: invalidGrant('the device is revoked'), why: 'device revoked' };
        if (device.status === 'quarantined') {
          return {
            refused: new DomainError(
              'forbidden',
              'device_quarantined',
              'the device is quarantined; it gets tokens again once an operator lifts the quarantine',
            ),
            why: 'device quarantined',
          };
        }
        this.refresh.rotate(row.token_hash, now);
        const refreshToken = this.newRefreshToken(family.id, family.expires_at, now);
        this.audit.append(changeEntry(by, 'token_family.rotated', { family_id: family.id, device_id: device.id }));
        return { device, refreshToken };
      })
      .immediate();
    if ('refused' in outcome) {
      this.log({ why: outcome.why, code: outcome.refused.code }, 'refresh refused');
      throw outcome.refused;
    }
    return this.withAccessToken(outcome.device, outcome.refreshToken);
  }
}
