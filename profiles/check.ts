/** Validates profiles: `tsx profiles/check.ts [FILE...]` (default: every shipped profile). Exit 1 on any issue. */
import { join } from 'node:path';
import { loadCatalog } from './catalog.js';
import { listProfiles, loadProfile, PROFILES_DIR, SERVICES_DIR } from './load-profile.js';
import { ProfileError } from './profile-error.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: tsx profiles/check.ts [PROFILE.yaml ...]\nValidates the service catalog and the given profiles (default: all in profiles/).');
  process.exit(0);
}

try {
  const catalog = loadCatalog(SERVICES_DIR);
  const files = args.length > 0 ? args : listProfiles().map((name) => join(PROFILES_DIR, `${name}.yaml`));
  let failed = false;
  for (const file of files) {
    try {
      const profile = loadProfile(file, catalog);
      console.log(`ok ${file}: ${profile.name} (${profile.services.map((s) => s.service).join(', ')})`);
    } catch (error) {
      if (!(error instanceof ProfileError)) throw error;
      console.error(error.message);
      failed = true;
    }
  }
  process.exitCode = failed ? 1 : 0;
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
