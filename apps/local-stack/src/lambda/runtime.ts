/**
 * The Lambda service for one function: execution environments are worker threads that import the real bundle.
 * At most `reservedConcurrency` run at once; a synchronous invoke beyond that is throttled at once (no queue),
 * as Lambda does. Idle environments are reused (warm); a new one is a real cold start.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Log } from '../log.js';
import type { LambdaRecorder } from '../metrics-recorder.js';
import { ResultMessageSchema, type FunctionError, type WorkerData } from './protocol.js';

export type InvokeOutcome =
  | { readonly kind: 'throttled' }
  | {
      readonly kind: 'ok';
      readonly result: unknown;
      readonly requestId: string;
      readonly cold: boolean;
      readonly logResult: string;
    }
  | {
      readonly kind: 'error';
      readonly error: FunctionError;
      readonly requestId: string;
      readonly cold: boolean;
      /** Base64 tail of the execution's log (`X-Amz-Log-Result`). */
      readonly logResult: string;
    };

type RunResult =
  { ok: true; result: unknown; logResult: string } | { ok: false; error: FunctionError; logResult: string };

export interface RuntimeOptions {
  readonly workerPath: string;
  readonly workerData: WorkerData;
  /** process.env of a new environment (the function's configuration + the runtime's variables). */
  readonly env: () => Record<string, string>;
  readonly reservedConcurrency: number;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly recorder: LambdaRecorder;
  readonly log: Log;
}

/**
 * Variables the local runtime adds to every environment. The AWS SDK warns once per process (so once per execution
 * environment) when Node.js is older than the version its future releases need; on AWS the function runs on the
 * spec's Lambda runtime, so the warning is about this machine's Node.js, not the function, and the SDK's own switch
 * turns it off.
 */
export const RUNTIME_ENV: Readonly<Record<string, string>> = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** The log of an execution the environment could not report itself (it timed out or died). */
/** A result in the function URL / invoker shape whose `statusCode` is 5xx: a request the function failed. */
export function serverErrorResult(result: unknown): boolean {
  if (typeof result !== 'object' || result === null) return false;
  const status = (result as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 500;
}

function synthesizedLog(error: FunctionError, requestId?: string): string {
  const prefix = requestId ? `${new Date().toISOString()} ${requestId} ` : `${new Date().toISOString()} `;
  return Buffer.from(`${prefix}${error.errorMessage}\n`).toString('base64');
}

class ExecutionEnvironment {
  readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, (r: RunResult) => void>();
  dead = false;
  invocations = 0;

  constructor(opts: RuntimeOptions) {
    this.worker = new Worker(opts.workerPath, {
      workerData: opts.workerData,
      env: { ...opts.env(), ...RUNTIME_ENV },
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb },
    });
    // Function logs go to stderr: the stack's stdout carries only its READY line. A plain write per chunk, not
    // pipe(): every pipe into process.stderr adds listeners to it, and a burst of environments passes the limit.
    const forward = (chunk: Buffer) => process.stderr.write(chunk);
    this.worker.stdout.on('data', forward);
    this.worker.stderr.on('data', forward);
    this.worker.on('message', (raw: unknown) => {
      const msg = ResultMessageSchema.parse(raw);
      const done = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      done?.(
        msg.ok
          ? { ok: true, result: msg.result, logResult: msg.logResult }
          : { ok: false, error: msg.error, logResult: msg.logResult },
      );
    });
    const fail = (error: FunctionError) => {
      this.dead = true;
      for (const done of this.waiting.values()) done({ ok: false, error, logResult: synthesizedLog(error) });
      this.waiting.clear();
    };
    this.worker.on('error', (err) =>
      fail({
        errorType: 'Runtime.ExitError',
        errorMessage: `execution environment crashed: ${err.message}`,
        trace: [],
      }),
    );
    this.worker.on('exit', (code) =>
      fail({
        errorType: 'Runtime.ExitError',
        errorMessage: `execution environment exited (code ${code})`,
        trace: [],
      }),
    );
  }

  run(event: unknown, requestId: string, timeoutMs: number) {
    const id = ++this.nextId;
    this.invocations += 1;
    return new Promise<RunResult>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.dead = true;
        void this.worker.terminate();
        const error = {
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${timeoutMs / 1000} seconds`,
          trace: [],
        };
        resolve({ ok: false, error, logResult: synthesizedLog(error, requestId) });
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.worker.postMessage({ id, requestId, deadline: Date.now() + timeoutMs, event });
    });
  }
}

export class LambdaRuntime {
  private inFlight = 0;
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private closed = false;
  coldStarts = 0;

  constructor(private readonly opts: RuntimeOptions) {}

  get concurrentExecutions(): number {
    return this.inFlight;
  }

  get environments(): number {
    return this.all.size;
  }

  async invoke(event: unknown): Promise<InvokeOutcome> {
    if (this.closed || this.inFlight >= this.opts.reservedConcurrency) {
      this.opts.recorder.throttled();
      return { kind: 'throttled' };
    }
    this.inFlight += 1;
    this.opts.recorder.started();
    const requestId = randomUUID();
    const started = performance.now();
    let env = this.idle.pop();
    const cold = env === undefined;
    if (!env) {
      env = new ExecutionEnvironment(this.opts);
      this.all.add(env);
      this.coldStarts += 1;
    }
    let outcome: InvokeOutcome;
    try {
      const r = await env.run(event, requestId, this.opts.timeoutMs);
      outcome = r.ok
        ? { kind: 'ok', result: r.result, requestId, cold, logResult: r.logResult }
        : { kind: 'error', error: r.error, requestId, cold, logResult: r.logResult };
    } finally {
      this.inFlight -= 1;
    }
    this.opts.recorder.finished(
      performance.now() - started,
      outcome.kind === 'error',
      outcome.kind === 'error' || serverErrorResult(outcome.result),
    );
    const broken = outcome.kind === 'error' && outcome.error.errorType.startsWith('Runtime.');
    if (env.dead || broken || this.closed) {
      this.all.delete(env);
      if (!env.dead) void env.worker.terminate();
    } else {
      this.idle.push(env);
    }
    return outcome;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all].map((e) => e.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }
}
