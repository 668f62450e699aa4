import { connect } from 'node:net';
import type { ServiceProbe } from '../profile/catalog.js';

export interface ProbeResult {
  service: string;
  guestPort: number;
  ok: boolean;
  detail: string;
}

/** Connects and returns what the server sends first (SSH, SMTP style banners). */
function readBanner(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no banner within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.includes('\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received.trim());
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (!received.includes('\n')) reject(new Error(`connection closed after ${JSON.stringify(received)}`));
    });
  });
}

async function probeOnce(hostPort: number, probe: ServiceProbe): Promise<string> {
  if (probe.kind === 'banner') {
    const banner = await readBanner(hostPort, 10_000);
    if (probe.expect && !banner.includes(probe.expect))
      throw new Error(`banner ${JSON.stringify(banner)} lacks ${JSON.stringify(probe.expect)}`);
    return banner;
  }
  const response = await fetch(`http://127.0.0.1:${hostPort}${probe.path ?? '/'}`, { signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  if (probe.expect && !body.includes(probe.expect)) throw new Error(`HTTP ${response.status} body lacks ${JSON.stringify(probe.expect)}`);
  return `HTTP ${response.status}, body contains ${JSON.stringify(probe.expect ?? '')}`;
}

/** Retries a probe through the forwarded port until it succeeds or `timeoutMs` passes. */
export async function probeService(service: string, hostPort: number, probe: ServiceProbe, timeoutMs = 60_000): Promise<ProbeResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return { service, guestPort: probe.port, ok: true, detail: await probeOnce(hostPort, probe) };
    } catch (error) {
      if (Date.now() >= deadline)
        return { service, guestPort: probe.port, ok: false, detail: error instanceof Error ? error.message : String(error) };
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}
