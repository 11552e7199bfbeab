/** Runs the built CLI (`dist/apps/replay/main.js`) as the pipeline does and reads the report it writes. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { workspaceRoot } from '@dogbreed/workspace';
import { ReplayReportSchema, type ReplayReport } from '../../src/report.js';

export const REPLAY_MAIN = join(workspaceRoot(), 'dist', 'apps', 'replay', 'main.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI with `args` and `env` added to this process's environment; `onLine` sees each stderr line as
 * it comes (with the CLI's pid). Killed and rejected after `deadlineMs`.
 */
export function runBuiltCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  deadlineMs: number,
  onLine?: (line: string, pid: number) => void,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [REPLAY_MAIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const stderr: string[] = [];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    createInterface({ input: child.stderr }).on('line', (l) => {
      stderr.push(l);
      onLine?.(l, child.pid as number);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`replay did not finish in ${deadlineMs} ms:\n${stderr.join('\n')}`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr.join('\n') });
    });
  });
}

/** `<out>/replay-report.json`, checked against its schema. */
export function readReport(out: string): ReplayReport {
  return ReplayReportSchema.parse(JSON.parse(readFileSync(join(out, 'replay-report.json'), 'utf8')));
}
