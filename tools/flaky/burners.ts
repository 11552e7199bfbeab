/**
 * CPU-burning child processes that load the machine while the tests run. Each one stops by itself after
 * `maxSeconds` (so a crashed parent leaves nothing behind for long) and `stop()` kills them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Burners {
  readonly pids: readonly number[];
  stop(): void;
}

export function startBurners(o: { readonly count: number; readonly maxSeconds: number }): Burners {
  const code = `const end = Date.now() + ${o.maxSeconds * 1000}; let x = 0; while (Date.now() < end) x = (x * 1103515245 + 12345) % 2147483648;`;
  const children: ChildProcess[] = Array.from({ length: o.count }, () =>
    spawn(process.execPath, ['-e', code], { stdio: 'ignore' }),
  );
  return {
    pids: children.map((c) => c.pid as number),
    stop() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    },
  };
}
