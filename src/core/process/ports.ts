import { createServer } from 'node:net';

/** Why `port` on loopback cannot be bound right now (e.g. `EADDRINUSE`), or undefined when it can. */
export function bindError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(undefined)));
  });
}
