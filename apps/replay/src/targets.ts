/**
 * The two sides of a replay. A URL is used as is; a model dir is checked against the model-dir contract and served by
 * the built model server (the program the endpoints run) on 127.0.0.1 at a port the OS picks, with the spec's
 * model-server settings: the replay measures the candidate as it will be served. The server is ready when its
 * `listening` log line has named the port and `/ping` answers 200; `stop()` ends it (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  METADATA_FILE,
  MODEL_FILE,
  listeningPort,
  MODEL_SERVER_ENV,
  checkModelMetadata,
  modelServerSettingsEnv,
  type ModelMetadata,
  type ModelServerSpec,
} from '@dogbreed/platform-spec';
import { ModelDirError, ServerStartError } from './errors.js';

/**
 * How long a model server may take to answer /ping. Not a spec figure: the local stack waits as long (SageMaker
 * gives a container minutes to pass its health check), and a big model on a busy CPU can take tens of seconds.
 */
export const SERVER_START_DEADLINE_MS = 180_000;
const PING_INTERVAL_MS = 100;
/** After SIGTERM the server drains in-flight requests; it gets this long before SIGKILL. */
const STOP_GRACE_MS = 10_000;
/** Lines of server output kept to explain a failed start. */
const TAIL_LINES = 20;

export interface Target {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly kind: 'model-dir' | 'url';
  /** The model dir or URL as given. */
  readonly given: string;
  readonly metadata?: ModelMetadata;
  /** The model server's process id, for a model dir. */
  readonly pid?: number;
  stop(): Promise<void>;
}

export function isUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg);
}

/** metadata.json of a model dir, checked; throws ModelDirError naming what is wrong. */
export function readModelDir(dir: string): ModelMetadata {
  if (!existsSync(dir)) throw new ModelDirError(`model dir ${dir} does not exist`, dir);
  for (const f of [MODEL_FILE, METADATA_FILE])
    if (!existsSync(join(dir, f)))
      throw new ModelDirError(
        `${dir} is not a model dir: ${f} is missing (needs ${MODEL_FILE} + ${METADATA_FILE})`,
        dir,
      );
  const checked = checkModelMetadata(
    readFileSync(join(dir, METADATA_FILE), 'utf8'),
    `${dir}/${METADATA_FILE}`,
  );
  if (!checked.ok) throw new ModelDirError(checked.message, dir, { cause: checked.cause });
  return checked.metadata;
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolvePromise();
    });
    child.kill('SIGTERM');
  });
}

/** Every model server this process started, so an exit on any path can still end them. */
const running = new Set<ChildProcess>();

/** Kills every model server still running (synchronous: safe in a process `exit` handler). */
export function killAllServers(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export interface ServeOptions {
  readonly modelDir: string;
  /** The built model server, dist/apps/model-server/main.js. */
  readonly modelServerMain: string;
  readonly settings: ModelServerSpec;
  /** Label for messages: `serving` or `candidate`. */
  readonly role: string;
  /** Aborts the start (SIGINT). */
  readonly signal?: AbortSignal;
  /** @default SERVER_START_DEADLINE_MS */
  readonly deadlineMs?: number;
}

export async function serveModelDir(opts: ServeOptions): Promise<Target> {
  const dir = resolve(opts.modelDir);
  const metadata = readModelDir(dir);
  if (!existsSync(opts.modelServerMain))
    throw new ServerStartError(
      `the built model server ${opts.modelServerMain} is missing: run \`npx nx build model-server\` first`,
    );
  const child = spawn(process.execPath, [opts.modelServerMain], {
    env: {
      ...process.env,
      ...modelServerSettingsEnv(opts.settings),
      [MODEL_SERVER_ENV.modelDir]: dir,
      [MODEL_SERVER_ENV.port]: '0',
      [MODEL_SERVER_ENV.host]: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const why = (msg: string) =>
    new ServerStartError(
      `${opts.role} model server for ${dir} ${msg}${tail.length ? `. Its last output:\n  ${tail.slice(-8).join('\n  ')}` : ''}`,
    );

  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            why(`did not report a port within ${(opts.deadlineMs ?? SERVER_START_DEADLINE_MS) / 1000} s`),
          ),
        opts.deadlineMs ?? SERVER_START_DEADLINE_MS,
      );
      const done = (fn: () => void) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => done(() => reject(why('start was interrupted')));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        remember(line);
        const p = listeningPort(line);
        if (p !== undefined) done(() => resolvePort(p));
      });
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', remember);
      child.once('error', (err) => done(() => reject(why(`could not start: ${err.message}`))));
      child.once('exit', (code, sig) =>
        done(() => reject(why(`exited (${sig ?? `code ${code}`}) before listening`))),
      );
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (opts.deadlineMs ?? SERVER_START_DEADLINE_MS);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw why('exited before /ping passed');
      if (opts.signal?.aborted) throw why('start was interrupted');
      if (await ping(url)) break;
      if (Date.now() > deadline)
        throw why(`did not pass /ping within ${(opts.deadlineMs ?? SERVER_START_DEADLINE_MS) / 1000} s`);
      await new Promise((r) => setTimeout(r, PING_INTERVAL_MS));
    }
    return {
      url,
      kind: 'model-dir',
      given: opts.modelDir,
      metadata,
      ...(child.pid !== undefined ? { pid: child.pid } : {}),
      stop: () => stopChild(child),
    };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** A running endpoint (a model server, the local stack's router path to one): used as is, stopped by its owner. */
export function urlTarget(url: string): Target {
  return { url: url.replace(/\/+$/, ''), kind: 'url', given: url, stop: () => Promise.resolve() };
}
