/** Why a check was denied: the first policy rule that failed. */
export type DenyReason =
  | 'engine_mismatch'
  | 'engine_suspended'
  | 'engine_revoked'
  | 'flag_disabled'
  | 'platform_unknown'
  | 'platform_maintenance'
  | 'platform_disabled'
  | 'grant_expired'
  | 'no_grant';

export interface Verdict {
  allowed: boolean;
  reason: DenyReason | 'granted';
  message: string;
  required_scopes: string[];
  grant_id?: string;
}
