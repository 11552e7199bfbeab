import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { MODEL_SERVER_ENV } from '@dogbreed/platform-spec';
import { workspaceRoot } from '@dogbreed/workspace';

export const invokerBundle = () => join(workspaceRoot(), 'dist/apps/invoker/index.mjs');
export const modelServerBundle = () => join(workspaceRoot(), 'dist/apps/model-server/main.js');
const runBundleScript = () => join(workspaceRoot(), 'apps/invoker/tests/support/run-bundle.mjs');

export interface BundleRun {
  loadMs: number;
  firstInvokeMs: number;
  initMs: number;
  /** CPU time (user + system) of the load, and of the load plus the first invocation. */
  loadCpuMs: number;
  initCpuMs: number;
  results: { statusCode: number; headers: Record<string, string>; body: string }[];
  latenciesMs: number[];
}

/**
 * What a cold start reads: `entry` and, transitively, the files it imports statically (`import … from "./x.mjs"`).
 * Chunks reached only through `import()` are left out: they are read when first used.
 */
export function startUpFiles(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [entry];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[^'"()]*?from\s*)?["'](\.[^"']+)["']/g))
      if (m[1]) todo.push(join(dirname(file), m[1]));
  }
  return [...seen];
}

/** Every file of the bundle folder (what is deployed). */
export function bundleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bundleFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

export const totalBytes = (files: readonly string[]) => files.reduce((sum, f) => sum + statSync(f).size, 0);

/** Runs the bundled handler (the build's, or `opts.bundle`) in a fresh Node process (see run-bundle.mjs). */
export async function runBundle(
  events: unknown[],
  env: NodeJS.ProcessEnv,
  opts: { repeat?: number; timeoutMs?: number; bundle?: string } = {},
): Promise<BundleRun & { wallMs: number }> {
  const bundle = opts.bundle ?? invokerBundle();
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npx nx build invoker\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'invoker-bundle-'));
  const eventsFile = join(dir, 'events.json');
  const outFile = join(dir, 'out.json');
  writeFileSync(eventsFile, JSON.stringify(events));
  const started = performance.now();
  await promisify(execFile)(
    process.execPath,
    [runBundleScript(), bundle, eventsFile, outFile, String(opts.repeat ?? 0)],
    { env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const wallMs = performance.now() - started;
  return { ...(JSON.parse(readFileSync(outFile, 'utf8')) as BundleRun), wallMs };
}

export interface ModelServerProcess {
  readonly url: string;
  readonly logs: string[];
  stop(): Promise<void>;
}

/** Starts the built model server on a free loopback port and waits until `/ping` answers 200. */
export async function startModelServer(modelDir: string, timeoutMs = 60_000): Promise<ModelServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [modelServerBundle()], {
    env: {
      ...process.env,
      [MODEL_SERVER_ENV.modelDir]: modelDir,
      [MODEL_SERVER_ENV.port]: '0',
      [MODEL_SERVER_ENV.host]: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`model server did not log "listening" in ${timeoutMs} ms:\n${logs.join('\n')}`)),
        timeoutMs,
      );
      child.once('exit', (code) =>
        reject(new Error(`model server exited with ${code}:\n${logs.join('\n')}`)),
      );
      child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
      if (!child.stdout) throw new Error('model server stdout is not piped');
      createInterface({ input: child.stdout }).on('line', (line) => {
        logs.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: unknown; port?: unknown };
          if (rec.msg === 'listening' && typeof rec.port === 'number') {
            clearTimeout(timer);
            resolve(rec.port);
          }
        } catch {
          // not a JSON log line
        }
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await fetch(`${url}/ping`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`model server /ping never passed:\n${logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { url, logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Builds the invoker bundle when it is missing (tests run after `nx build`, this covers a bare `vitest run`). */
export async function ensureInvokerBundle(): Promise<void> {
  if (existsSync(invokerBundle())) return;
  await promisify(execFile)('npx', ['nx', 'build', 'invoker', '--output-style=static'], {
    cwd: workspaceRoot(),
    timeout: 120_000,
    env: { ...process.env, NX_DAEMON: 'false' },
  });
}
