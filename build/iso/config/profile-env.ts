import type { Profile } from '../../profile/load-profile.js';
import { shellQuote } from './shell-quote.js';

/** /usr/lib/borgos/profile.env: what the image was built from; borg-ready copies it to /etc/borgos/profile at boot. */
export function profileEnv(profile: Profile, inputsHash: string, sourceDateEpoch: number): string {
  const values: [string, string][] = [
    ['PROFILE', profile.name],
    ['DESCRIPTION', profile.description],
    ['INPUTS_HASH', inputsHash],
    ['SERVICES', profile.services.map((s) => s.service).join(' ')],
    ['UNITS', profile.services.flatMap((s) => s.units ?? []).join(' ')],
    ['RUNTIME', profile.runtime.join(' ')],
    ['OFFLINE_MODEL', profile.offlineModel ?? ''],
    ['HOSTNAME', profile.hostname],
    ['BUILT_AT', new Date(sourceDateEpoch * 1000).toISOString()],
  ];
  return values.map(([key, value]) => `${key}=${shellQuote(value)}\n`).join('');
}
