import { createInterface } from 'node:readline/promises';

/** What the launcher does to the outside world besides AWS calls; tests pass their own. */
export interface Io {
  /** Result lines (MODEL_DIR=..., MODEL_ARTIFACT=..., dry-run JSON). */
  out(line: string): void;
  /** Progress and messages. */
  err(line: string): void;
  /** Whether a person can answer questions (stdin is a TTY). */
  interactive: boolean;
  ask(question: string): Promise<string>;
  now(): Date;
}

/** Interrupt requests (Ctrl-C) queued for the wait loop to handle when it is ready. */
export class InterruptSignal {
  private pending = 0;
  private waiters: (() => void)[] = [];
  trigger(): void {
    this.pending += 1;
    for (const w of this.waiters.splice(0)) w();
  }
  /** Consumes one pending request. */
  take(): boolean {
    if (this.pending === 0) return false;
    this.pending -= 1;
    return true;
  }
  /** Sleeps `ms`, returning early when an interrupt arrives. */
  pause(ms: number): Promise<void> {
    if (this.pending > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stdin.isTTY),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    now: () => new Date(),
  };
}
