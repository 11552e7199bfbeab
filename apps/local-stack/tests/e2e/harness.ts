/** Starts the built local stack as a real process (its own process group) and cleans up everything it started. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { afterAll, beforeAll } from 'vitest';
import { LocalMetricsSchema, mergeSpec, type LocalMetrics, type SpecOverride } from '@dogbreed/platform-spec';
import { createTinyModelDir, type TinyModelOptions } from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';

export const MAIN = join(workspaceRoot(), 'dist/apps/local-stack/main.js');
export const TIME_SCALE = 60;

export interface RunningStack {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stderr: string[];
  metrics(): Promise<LocalMetrics>;
  health(): Promise<{
    pid: number;
    endpoints: { name: string; pids: number[]; instances: { id: string; pid: number | null }[] }[];
    lambda: { concurrentExecutions: number };
  }>;
  /** SIGTERM, wait for a clean exit; returns the exit code. Kills the whole group if it does not exit. */
  stop(): Promise<number | null>;
}

/** Both model dirs (`<dir>/single`, `<dir>/multi`) from the tiny ONNX fixture. */
export async function makeModelsDir(
  single: TinyModelOptions = {},
  multi: TinyModelOptions = {},
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'local-stack-models-'));
  await Promise.all([
    createTinyModelDir(join(dir, 'single'), single),
    createTinyModelDir(join(dir, 'multi'), { trainingMode: 'multi', ...multi }),
  ]);
  return dir;
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export async function startStack(
  modelsDir: string,
  specOverride: SpecOverride = {},
  timeScale = TIME_SCALE,
): Promise<RunningStack> {
  const args = [
    MAIN,
    '--port',
    '0',
    '--time-scale',
    String(timeScale),
    '--models-dir',
    modelsDir,
    '--no-train',
    '--spec-json',
    // Captures go beside the test's models (a temp dir), not into the repository's .local-stack/, unless the test says where.
    JSON.stringify(
      mergeSpec({ rollout: { dataCapture: { localDir: join(modelsDir, 'data-capture') } } }, specOverride),
    ),
  ];
  const child = spawn(process.execPath, args, {
    detached: true, // own process group: cleanup can reach every instance even if the stack itself dies
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOGBREED_SPEC_JSON: '', DOGBREED_SPEC_FILE: '' },
  });
  const stderr: string[] = [];
  const stdout: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) => {
    stderr.push(l);
    if (stderr.length > 2000) stderr.shift();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killGroup = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no READY line in 90 s; stderr:\n${stderr.slice(-30).join('\n')}`)),
        90_000,
      );
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => {
        stdout.push(l);
        const m = /^LOCAL_STACK_READY url=(\S+)$/.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`local stack exited (${code}) before READY; stderr:\n${stderr.slice(-30).join('\n')}`),
        );
      });
    });
  } catch (err) {
    killGroup();
    throw err;
  }
  const stack: RunningStack = {
    url,
    child,
    stderr,
    async metrics() {
      const res = await fetch(`${url}/_local/metrics`);
      return LocalMetricsSchema.parse(await res.json());
    },
    async health() {
      const res = await fetch(`${url}/_local/health`);
      return (await res.json()) as Awaited<ReturnType<RunningStack['health']>>;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        killGroup();
        return child.exitCode;
      }
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000)),
      ]);
      killGroup(); // anything left in the group (there should be nothing) goes too
      return code === 'timeout' ? null : code;
    },
  };
  // stdout must carry exactly one line: READY.
  if (stdout.length !== 1) throw new Error(`stdout had extra lines: ${stdout.join(' | ')}`);
  return stack;
}

/** One test file's stack: started before its tests on fresh tiny models, stopped (and the models removed) after. */
export interface StackFixture {
  /** The running stack; throws before the file's tests start or after `stop()`. */
  readonly stack: RunningStack;
  /** Stops the stack now, as a test that checks the shutdown does; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Registers the `beforeAll` that starts the built stack on `makeModelsDir(single, multi)` with `override`, and the
 * `afterAll` that stops it (unless a test did) and removes the models.
 */
export function useStack(
  opts: {
    readonly override?: SpecOverride;
    readonly single?: TinyModelOptions;
    readonly multi?: TinyModelOptions;
  } = {},
): StackFixture {
  let running: RunningStack | undefined;
  let modelsDir: string | undefined;
  beforeAll(async () => {
    modelsDir = await makeModelsDir(opts.single, opts.multi);
    running = await startStack(modelsDir, opts.override);
  });
  afterAll(async () => {
    await running?.stop();
    removeDir(modelsDir);
  });
  const current = (): RunningStack => {
    if (!running) throw new Error('the local stack is not running (useStack starts it before the tests)');
    return running;
  };
  return {
    get stack() {
      return current();
    },
    stop() {
      const s = current();
      running = undefined;
      return s.stop();
    },
  };
}

/** Pids of every model-server instance the stack runs now. */
export async function instancePids(stack: RunningStack): Promise<number[]> {
  const h = await stack.health();
  return h.endpoints.flatMap((e) => e.pids);
}

export function pidsAlive(pids: readonly number[]): number[] {
  return pids.filter(alive);
}

/** A test-controlled gate: requests routed to a held instance stay unanswered until `release()`. */
export interface Hold {
  readonly pids: readonly number[];
  /** Idempotent; safe in `finally`. */
  release(): void;
}

/**
 * Stops (SIGSTOP) every model-server instance of the stack, so every request that reaches one is certainly still
 * in flight when the test looks, whatever the machine's load; `release()` continues them (SIGCONT).
 */
export async function holdInstances(stack: RunningStack): Promise<Hold> {
  const pids = await instancePids(stack);
  if (pids.length === 0) throw new Error('no instance to hold');
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  let released = false;
  return {
    pids,
    release() {
      if (released) return;
      released = true;
      for (const pid of pidsAlive(pids)) process.kill(pid, 'SIGCONT');
    },
  };
}

/** Never rejects: a request the test may not reach (an assertion failed first) leaves no unhandled rejection. */
export type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** A noisy PNG: expensive to decode, honest slowness for the Lambda test. */
export function noisyPng(size: number): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  let x = 12345;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = i % 3 === 0 ? 200 + (x % 56) : x % 40;
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

export const RED = { r: 255, g: 0, b: 0 };
