import type { CheckBody } from '../schemas.js';
import type { PolicySnapshot } from './snapshot.js';
import { grantKey, windowInForce } from './snapshot.js';
import type { DenyReason, Verdict } from './verdict.js';

/** The question of one check, as the route validated it. */
export type CheckRequest = CheckBody;

const deny = (reason: DenyReason, message: string): Verdict => ({ allowed: false, reason, message, required_scopes: [] });

/** The policy, as pure rules over a snapshot: the first rule that fails names the reason. */
export function evaluate(snapshot: PolicySnapshot, callerId: string, req: CheckRequest, nowMs: number): Verdict {
  if (callerId !== req.engine_id) {
    return deny('engine_mismatch', `engine ${callerId} cannot check on behalf of engine ${req.engine_id}`);
  }
  const engine = snapshot.engines.get(req.engine_id);
  if (engine?.status === 'suspended') return deny('engine_suspended', `engine ${req.engine_id} is suspended`);
  if (engine?.status !== 'active') return deny('engine_revoked', `engine ${req.engine_id} is not active`);

  for (const gate of snapshot.gates) {
    if (
      (gate.platform_id === null || gate.platform_id === req.platform) &&
      (gate.action_type === null || gate.action_type === req.action_type)
    ) {
      return deny('flag_disabled', `feature flag ${gate.name} disables ${req.platform}/${req.action_type}`);
    }
  }

  const platform = snapshot.platforms.get(req.platform);
  if (!platform) return deny('platform_unknown', `platform ${req.platform} is not registered`);
  // Maintenance before disabled, as the rules are listed. A window's end is a time event, not a policy change, so
  // windows are compared with the clock here; the snapshot's status is the one outside them.
  const window = windowInForce(snapshot, req.platform, nowMs);
  if (window) return deny('platform_maintenance', `platform ${req.platform} is in maintenance window ${window.id} until ${window.ends_at}`);
  if (platform.status === 'maintenance') return deny('platform_maintenance', `platform ${req.platform} is in maintenance`);
  if (platform.status === 'disabled') return deny('platform_disabled', `platform ${req.platform} is disabled`);

  const grants = snapshot.grants.get(grantKey(req.engine_id, req.platform, req.action_type));
  if (!grants) return deny('no_grant', `engine ${req.engine_id} holds no grant for ${req.platform}/${req.action_type}`);
  // At most one active grant per action, beside the one that ended last if it expired.
  for (const g of grants) {
    // Made once per policy load: the same object answers every check this grant allows, so no caller may change it.
    if (g.active && (g.expiresMs === null || g.expiresMs > nowMs)) return g.granted;
  }
  return deny('grant_expired', `the grant for ${req.platform}/${req.action_type} has expired`);
}
