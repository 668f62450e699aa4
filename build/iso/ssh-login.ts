import { spawn } from 'node:child_process';
import type { Profile } from '../profile/load-profile.js';

/** A profile user to log in as, with the private key matching one of its `ssh_authorized_keys`. */
export interface SshLogin {
  user: string;
  keyFile: string;
}

export interface LoginResult {
  user: string;
  ok: boolean;
  /** Whether `sudo -n` ran as root; ok requires it to match the profile's `sudo` for the user. */
  sudo: boolean | undefined;
  detail: string;
}

export const SSH_PORT = 22;

/** Refuses, before anything boots, a login the profile cannot grant: no ssh service, or no such user with a key. */
export function checkLogin(profile: Profile, login: SshLogin): void {
  if (!profile.services.some((s) => s.probes?.some((p) => p.port === SSH_PORT))) {
    throw new Error(`--ssh-user: profile ${profile.name} does not run ssh, so nobody can log in`);
  }
  const user = profile.users.find((u) => u.name === login.user);
  if (!user) {
    const names = profile.users.map((u) => u.name);
    throw new Error(
      `--ssh-user: profile ${profile.name} has no user ${JSON.stringify(login.user)}; ${names.length > 0 ? `expected one of: ${names.join(', ')}` : 'it declares no users'}`,
    );
  }
  if ((user.ssh_authorized_keys ?? []).length === 0)
    throw new Error(`--ssh-user: user ${login.user} of profile ${profile.name} has no ssh_authorized_keys, so it cannot log in`);
}

// Prints the account's name, then whether it may become root without a password.
const CHECK_COMMAND = 'id -un; if sudo -n true 2>/dev/null; then echo sudo=yes; else echo sudo=no; fi';

function ssh(hostPort: number, login: SshLogin, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  // A fresh guest has fresh host keys (made on first boot), so there is nothing to pin; keys only, never a prompt.
  const args = [
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=20',
    '-o',
    'LogLevel=ERROR',
    '-i',
    login.keyFile,
    '-p',
    String(hostPort),
    `${login.user}@127.0.0.1`,
    CHECK_COMMAND,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.trim() });
    });
  });
}

/** Logs in through the forwarded SSH port with the key and checks who the session is and what sudo allows it. */
export async function checkSshLogin(profile: Profile, hostPort: number, login: SshLogin, timeoutMs = 120_000): Promise<LoginResult> {
  const expectSudo = profile.users.find((u) => u.name === login.user)?.sudo === true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { code, output } = await ssh(hostPort, login, Math.max(1000, deadline - Date.now()));
    const lines = output.split('\n');
    if (code === 0) {
      const sudo = lines.includes('sudo=yes') ? true : lines.includes('sudo=no') ? false : undefined;
      const ok = lines[0] === login.user && sudo === expectSudo;
      return {
        user: login.user,
        ok,
        sudo,
        detail: ok
          ? `logged in as ${login.user}; sudo ${sudo ? 'yes' : 'no'}, as the profile says`
          : `expected ${login.user} with sudo ${expectSudo ? 'yes' : 'no'}, got ${JSON.stringify(output)}`,
      };
    }
    // sshd may still be starting or making its host keys; a refused key will not change.
    if (output.includes('Permission denied') || Date.now() >= deadline)
      return { user: login.user, ok: false, sudo: undefined, detail: `ssh exited with ${code ?? 'a signal'}: ${output || 'no output'}` };
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}
