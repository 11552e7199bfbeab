/**
 * The benchmark's peer (bench/peer/app.py: FastAPI + uvicorn + onnxruntime + Pillow) as a process: its own venv,
 * made from bench/peer/requirements.txt and remade only when that file changes (a stamp file holds the file's
 * hash), and a start/stop that owns the whole uvicorn process group (supervisor and workers).
 */
import { toolPaths, workspaceRoot } from '@dogbreed/workspace';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { waitForPing } from '../tests/support/server-process.js';

export const PEER_DIR = join(workspaceRoot(), 'apps/model-server/bench/peer');
export const PEER_REQUIREMENTS = join(PEER_DIR, 'requirements.txt');
/** Where the benchmark makes the peer's venv (build output: never committed). */
export const PEER_VENV = join(workspaceRoot(), 'dist/benchmarks/peer-venv');
const STAMP = '.requirements-sha256';

/** The stamp a venv made from these requirements carries: their SHA-256. */
export function requirementsStamp(requirements: string): string {
  return createHash('sha256').update(requirements).digest('hex');
}

/** True when `venv` was made from the current requirements (its stamp matches). */
export function peerVenvReady(venv = PEER_VENV): boolean {
  const stamp = join(venv, STAMP);
  return (
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === requirementsStamp(readFileSync(PEER_REQUIREMENTS, 'utf8'))
  );
}

function runLogged(command: string, args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: timeoutMs });
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal})`)),
    );
  });
}

/**
 * Makes the peer's venv unless it is ready: a fresh venv of the training interpreter's base Python (without the
 * system site packages, so only the pinned versions are importable), then `pip install -r requirements.txt`.
 * The stamp is written last, so an interrupted install is redone next time.
 */
export async function ensurePeerVenv(
  venv = PEER_VENV,
  log: (line: string) => void = console.log,
): Promise<void> {
  if (peerVenvReady(venv)) return;
  const t0 = performance.now();
  log(`peer: making its venv in ${venv} from bench/peer/requirements.txt (once per change of that file) ...`);
  rmSync(venv, { recursive: true, force: true });
  await runLogged(toolPaths.python(), ['-m', 'venv', venv], 120_000);
  log('peer: pip install -r bench/peer/requirements.txt ...');
  await runLogged(
    join(venv, 'bin/python'),
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', '-r', PEER_REQUIREMENTS],
    900_000,
  );
  writeFileSync(join(venv, STAMP), `${requirementsStamp(readFileSync(PEER_REQUIREMENTS, 'utf8'))}\n`);
  log(`peer: venv ready in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** How the peer runs: uvicorn worker processes × ORT intra-op threads in each. */
export interface PeerConfig {
  readonly workers: number;
  readonly threads: number;
}

export interface PeerProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** A free loopback port (uvicorn with several workers cannot report the one it picked for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('close', () => resolve());
  });
}

/** Signals the peer's whole process group (it was started detached, as its own group: ours alone). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

const running = new Set<number>();

/** Kills any peer still running (on a failed benchmark). */
export function killPeers(): void {
  for (const pid of running) signalGroup(pid, 'SIGKILL');
  running.clear();
}

/** Starts the peer on 127.0.0.1 with `modelDir` and waits until /ping answers 200. */
export async function startPeer(
  o: PeerConfig & { readonly modelDir: string; readonly topK: number; readonly venv?: string },
): Promise<PeerProcess> {
  const port = await freePort();
  let stderr = '';
  const child = spawn(
    join(o.venv ?? PEER_VENV, 'bin/python'),
    [
      ...['-m', 'uvicorn', 'app:app', '--app-dir', PEER_DIR, '--host', '127.0.0.1', '--port', String(port)],
      ...['--workers', String(o.workers), '--loop', 'uvloop', '--http', 'httptools'],
      ...['--log-level', 'warning', '--no-access-log'],
    ],
    {
      env: {
        ...process.env,
        MODEL_DIR: o.modelDir,
        PEER_INTRA_OP_THREADS: String(o.threads),
        PEER_TOP_K: String(o.topK),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  );
  const pid = child.pid as number;
  running.add(pid);
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = exitOf(child);
  const stop = async () => {
    signalGroup(pid, 'SIGTERM');
    // uvicorn's supervisor can outlive its workers after SIGTERM: the group is killed if it lingers.
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    signalGroup(pid, 'SIGKILL');
    running.delete(pid);
  };
  const url = `http://127.0.0.1:${port}`;
  const died = exited.then(() => {
    throw new Error(`the peer exited before answering /ping:\n${stderr}`);
  });
  try {
    await Promise.race([waitForPing(url, 200, 1200), died]);
  } catch (err) {
    await stop();
    throw err;
  }
  died.catch(() => undefined);
  return { pid, port, url, stop };
}
