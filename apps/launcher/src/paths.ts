import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Env overrides for where things are (the defaults suit a checkout). */
export const LAUNCHER_ENV = {
  python: 'DOGBREED_PYTHON',
  trainingDir: 'DOGBREED_TRAINING_DIR',
} as const;

function findUp(start: string, marker: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, marker))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The repository root: the folder with nx.json above the working directory, else above this file. */
export function repoRoot(cwd: string = process.cwd()): string {
  const found = findUp(cwd, 'nx.json') ?? findUp(dirname(fileURLToPath(import.meta.url)), 'nx.json');
  return found ?? resolve(cwd);
}

export function trainingDir(env: NodeJS.ProcessEnv = process.env, cwd?: string): string {
  return env[LAUNCHER_ENV.trainingDir] ?? join(repoRoot(cwd), 'training');
}

export function pythonPath(env: NodeJS.ProcessEnv = process.env, cwd?: string): string {
  return env[LAUNCHER_ENV.python] ?? join(repoRoot(cwd), '.venv', 'bin', 'python');
}
