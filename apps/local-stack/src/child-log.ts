/**
 * A child program whose output goes to a log file instead of the console. The default model's export prints pages
 * of torch exporter warnings that a newcomer can do nothing about; the console gets one progress line from the
 * caller, and only a failure shows the end of the output, with the log's path for the rest.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChildProcessError } from './errors.js';

/**
 * How many lines of the log a failure shows: enough for a Python traceback's last frames and the error line, few
 * enough that the message stays readable; the whole output is in the log.
 */
export const FAILURE_TAIL_LINES = 20;

/** The last `count` lines of a log, trailing blank lines dropped. */
export function lastLines(text: string, count: number): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  return count > 0 ? lines.slice(-count) : [];
}

/** The console's account of a failed child: what failed, the end of its output, where the whole output is. */
export function failureWithLogTail(error: string, logFile: string, tail: readonly string[]): string {
  const shown =
    tail.length > 0 ? `; the last lines of its output:\n${tail.map((l) => `    | ${l}`).join('\n')}` : '';
  return `${error}${shown}\n  full output: ${logFile}`;
}

export interface LoggedChildOptions {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The child's stdout and stderr, both; overwritten at each run (the header says what ran and when). */
  readonly logFile: string;
  /** What the child is, for the error message ("writing the default model"). */
  readonly label: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs the child with its output in `logFile`; rejects with a ChildProcessError that quotes the log's end. */
export function runLogged(opts: LoggedChildOptions): Promise<void> {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'w');
  writeSync(fd, `# ${new Date().toISOString()} ${opts.cmd} ${opts.args.join(' ')} (cwd ${opts.cwd})\n`);
  const failed = (error: string, cause?: Error) =>
    new ChildProcessError(
      failureWithLogTail(
        error,
        opts.logFile,
        lastLines(readFileSync(opts.logFile, 'utf8'), FAILURE_TAIL_LINES),
      ),
      cause ? { cause } : undefined,
    );
  return new Promise((resolvePromise, reject) => {
    // The file descriptor is inherited: the child writes straight to the file, nothing passes through this process.
    const child = spawn(opts.cmd, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const settle = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    child.on('error', (err) => {
      settle();
      reject(failed(`${opts.label} could not start ${opts.cmd}: ${err.message}`, err));
    });
    child.on('exit', (code, signal) => {
      settle();
      if (code === 0) resolvePromise();
      else reject(failed(`${opts.label} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}
