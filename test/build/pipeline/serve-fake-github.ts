/**
 * Runs the fake GitHub release API on its own, so the S4 stage can be run end to end
 * against it: `tsx test/build/pipeline/serve-fake-github.ts <owner/name> <token> [port]`.
 * Prints the API URL, and on SIGINT/SIGTERM what was published.
 */
import { FakeGithub } from './fake-github.js';

const [repo, token, port] = process.argv.slice(2);
if (repo === undefined || token === undefined) {
  console.error('usage: serve-fake-github.ts <owner/name> <token> [port]');
  process.exit(2);
}
const github = new FakeGithub(repo, token);
console.log(`fake GitHub API for ${repo} at ${await github.start(Number(port ?? 0))}`);
const finish = (): void => {
  console.log(JSON.stringify(github.releases, null, 2));
  void github.stop().then(() => process.exit(0));
};
process.on('SIGINT', finish);
process.on('SIGTERM', finish);
