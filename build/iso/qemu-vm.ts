import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';

export type Firmware = 'bios' | 'uefi';

export interface VmOptions {
  iso: string;
  firmware?: Firmware;
  memoryMiB?: number;
  cpus?: number;
  /** Everything the guest writes on its serial console is appended here. */
  serialLog: string;
  /** Guest TCP ports reachable on 127.0.0.1 through QEMU user networking. */
  forwardPorts?: readonly number[];
}

export interface Vm {
  /** Host port forwarded to `guestPort` on the guest. */
  hostPort(guestPort: number): number;
  /**
   * Resolves with the first serial line matching `pattern` (already seen or future) and ms since start.
   * With `unfinished`, a line still waiting for its newline counts too (prompts such as "host login: ").
   */
  waitForLine(pattern: RegExp, timeoutMs: number, unfinished?: boolean): Promise<{ line: string; afterMs: number }>;
  lines(): readonly string[];
  stop(): Promise<void>;
}

const OVMF_CANDIDATES = ['/usr/share/ovmf/OVMF.fd', '/usr/share/OVMF/OVMF.fd', '/usr/share/qemu/OVMF.fd'];
// Serial output carries terminal control sequences from the boot menus and getty.
// eslint-disable-next-line no-control-regex
const stripControl = (text: string): string => text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|[\x00-\x08\x0b-\x1f\x7f]/g, '');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Boots the ISO from a virtual CD drive in qemu-system-x86_64 with TCG (no KVM needed), serial console on stdout. */
export async function startVm(options: VmOptions): Promise<Vm> {
  if (!existsSync(options.iso)) throw new Error(`ISO not found: ${options.iso}`);
  const ports = new Map<number, number>();
  for (const guestPort of options.forwardPorts ?? []) ports.set(guestPort, await freePort());
  const forwards = [...ports].map(([guest, host]) => `,hostfwd=tcp:127.0.0.1:${host}-:${guest}`).join('');
  const args = [
    '-accel',
    'tcg,thread=multi',
    '-m',
    String(options.memoryMiB ?? 2048),
    '-smp',
    String(options.cpus ?? 2),
    '-cdrom',
    options.iso,
    '-boot',
    'order=d',
    '-nic',
    `user,model=virtio-net-pci${forwards}`,
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
  ];
  if (options.firmware === 'uefi') {
    const ovmf = OVMF_CANDIDATES.find((f) => existsSync(f));
    if (!ovmf) throw new Error(`UEFI boot needs OVMF firmware (apt-get install ovmf); looked in ${OVMF_CANDIDATES.join(', ')}`);
    args.push('-bios', ovmf);
  }

  const started = Date.now();
  const log = createWriteStream(options.serialLog);
  const child: ChildProcess = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: string[] = [];
  const waiters = new Set<(line: string, complete: boolean) => void>();
  let partial = '';
  let exited: string | undefined;
  const exitWaiters = new Set<(reason: string) => void>();

  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = stripControl(raw).trim();
      if (!line) continue;
      seen.push(line);
      for (const waiter of waiters) waiter(line, true);
    }
    const pending = stripControl(partial).trim();
    if (pending) for (const waiter of waiters) waiter(pending, false);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  child.on('exit', (code, signal) => {
    exited = `qemu exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`;
    for (const waiter of exitWaiters) waiter(exited);
  });
  child.on('error', (error) => {
    exited = `qemu failed to start: ${error.message}`;
    for (const waiter of exitWaiters) waiter(exited);
  });

  return {
    hostPort(guestPort) {
      const port = ports.get(guestPort);
      if (port === undefined) throw new Error(`guest port ${guestPort} is not forwarded`);
      return port;
    },
    lines: () => seen,
    waitForLine(pattern, timeoutMs, unfinished = false) {
      const candidates = unfinished ? [...seen, stripControl(partial).trim()] : seen;
      const already = candidates.find((line) => line !== '' && pattern.test(line));
      if (already) return Promise.resolve({ line: already, afterMs: Date.now() - started });
      return new Promise((resolve, reject) => {
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(onLine);
          exitWaiters.delete(onExit);
        };
        const onLine = (line: string, complete: boolean): void => {
          if ((!complete && !unfinished) || !pattern.test(line)) return;
          cleanup();
          resolve({ line, afterMs: Date.now() - started });
        };
        const onExit = (reason: string): void => {
          cleanup();
          reject(new Error(`${reason} before a serial line matched ${pattern}; serial log: ${options.serialLog}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no serial line matched ${pattern} within ${timeoutMs / 1000}s; last lines:\n${seen.slice(-15).join('\n')}\nserial log: ${options.serialLog}`,
            ),
          );
        }, timeoutMs);
        waiters.add(onLine);
        exitWaiters.add(onExit);
        if (exited !== undefined) onExit(exited);
      });
    },
    async stop() {
      if (exited === undefined) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await gone;
      }
      await new Promise((resolve) => log.end(resolve));
    },
  };
}
