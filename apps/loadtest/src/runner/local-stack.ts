import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { SpecOverride } from '@dogbreed/platform-spec';
import { workspaceRoot } from '@dogbreed/workspace';

export interface LocalStackOptions {
  timeScale: number;
  specOverride?: SpecOverride;
  modelsDir?: string;
  noTrain?: boolean;
  port?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RunningStack {
  url: string;
  stop(): Promise<void>;
}

export function localStackMain(): string {
  return join(workspaceRoot(), 'dist/apps/local-stack/main.js');
}

const READY = /LOCAL_STACK_READY url=(\S+)/;

/** Starts the bundled local stack and waits for its LOCAL_STACK_READY line; stop() ends it (TERM, then KILL). */
export async function startLocalStack(o: LocalStackOptions): Promise<RunningStack> {
  const main = localStackMain();
  if (!existsSync(main))
    throw new Error(`${main} does not exist: build it with \`npx nx build local-stack\``);
  const args = [main, '--port', String(o.port ?? 0), '--time-scale', String(o.timeScale)];
  if (o.modelsDir) args.push('--models-dir', o.modelsDir);
  if (o.noTrain) args.push('--no-train');
  if (o.specOverride) args.push('--spec-json', JSON.stringify(o.specOverride));
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const child: ChildProcess & { stdout: Readable; stderr: Readable } = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stderr }).on('line', (l) => log(`[local-stack] ${l}`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`local stack not ready within ${o.readyTimeoutMs ?? 120_000} ms`)),
      o.readyTimeoutMs ?? 120_000,
    );
    createInterface({ input: child.stdout }).on('line', (l) => {
      const m = READY.exec(l);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      } else log(`[local-stack] ${l}`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local stack exited with ${code} before it was ready`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url, stop };
}
