/**
 * moto's server mode on a free loopback port: a real implementation of the AWS APIs for contract and seam tests
 * (the launcher's moto tests, the infra deploy wrapper, the workflow rehearsal and the IAM seam).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { toolPaths } from '@dogbreed/workspace';

export interface MotoServer {
  endpoint: string;
  /** The end of moto's own log (its tracebacks say why it answered 500). */
  log(): string;
  stop(): Promise<void>;
}

/** How much of moto's log is kept. */
const LOG_TAIL = 64 * 1024;

export const motoAvailable = (): boolean => existsSync(toolPaths.motoServer());

/** A port the OS says is free on 127.0.0.1 (servers in tests never take a fixed one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts moto_server and waits (bounded: 30 s of 100 ms polls) until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(toolPaths.motoServer(), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-LOG_TAIL)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
