import type { Profile } from './load-profile.js';

/** The Debian packages the image gets beyond live-build's own: the services', the profile's, and what its settings need. */
export function imagePackages(profile: Profile): string[] {
  const packages = new Set([...profile.services.flatMap((s) => s.packages ?? []), ...profile.packages]);
  if (profile.locale !== 'C.UTF-8') packages.add('locales');
  if (profile.users.some((u) => u.sudo === true)) packages.add('sudo');
  return [...packages].sort();
}
