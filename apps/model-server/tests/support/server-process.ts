import { MODEL_SERVER_ENV } from '@dogbreed/platform-spec';
import { workspaceRoot } from '@dogbreed/workspace';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The build output other projects spawn too (the local stack runs exactly this file). */
export const BUILT_SERVER = join(workspaceRoot(), 'dist/apps/model-server/main.js');
/** The container's entrypoint script, copied beside main.js by the build. */
export const BUILT_SERVE = join(workspaceRoot(), 'dist/apps/model-server/serve');

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Every stdout line so far, parsed where it is JSON. */
  readonly logs: Record<string, unknown>[];
  stderr(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | string>;
}

const running = new Set<ChildProcess>();

/** Kills whatever a test left running (call from afterAll/afterEach). */
export function killAll(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  running.clear();
}

/**
 * Starts the BUILT server on 127.0.0.1 and a free port (SAGEMAKER_BIND_TO_PORT=0) and resolves once its
 * `"msg":"listening"` line says which port. Rejects with stderr if it exits first.
 */
export function startServerProcess(
  env: Record<string, string>,
  command: readonly string[] = [process.execPath, BUILT_SERVER],
): Promise<ServerProcess> {
  if (!existsSync(BUILT_SERVER)) {
    throw new Error(
      `${BUILT_SERVER} is missing: run \`npx nx build model-server\` (the nx test target does it)`,
    );
  }
  const [exe, ...argv] = command as [string, ...string[]];
  const child = spawn(exe, argv, {
    env: {
      ...process.env,
      [MODEL_SERVER_ENV.port]: '0',
      [MODEL_SERVER_ENV.host]: '127.0.0.1',
      [MODEL_SERVER_ENV.intraOpThreads]: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: Record<string, unknown>[] = [];
  let err = '';
  let buffered = '';
  // 'close', not 'exit': it comes after stdout and stderr have ended, so every log line is in by then.
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = { raw: line };
        }
        logs.push(entry);
        if (entry['msg'] === 'listening' && typeof entry['port'] === 'number') {
          const port = entry['port'];
          resolve({
            child,
            pid: child.pid as number,
            port,
            url: `http://127.0.0.1:${port}`,
            logs,
            stderr: () => err,
            exited,
            stop: () => {
              child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${err}`)));
  });
}

/** Polls /ping until it answers `status` (bounded). */
export async function waitForPing(url: string, status = 200, attempts = 300): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const r = await fetch(`${url}/ping`).catch(() => undefined);
    if (r?.status === status) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`/ping never answered ${status}`);
}

/** Resident set size of a process in kB, from /proc/PID/status. */
export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}
