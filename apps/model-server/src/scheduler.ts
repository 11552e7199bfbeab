import { HttpError } from '@dogbreed/platform-spec';

export interface SchedulerOptions {
  /** Items waiting (not yet running) beyond this are refused with 503 QUEUE_FULL. */
  readonly maxQueueDepth: number;
  /** 1 = no batching: every item runs alone. */
  readonly maxBatchSize: number;
  /** With batching: how long a partial batch waits for company before it runs. */
  readonly maxDelayMs: number;
  /** Batches that may run at the same time (one per inference session); 1 when absent. */
  readonly runners?: number;
}

/** What the scheduler knows about a batch as it starts it. */
export interface BatchContext {
  /**
   * Nothing else is running and nothing is waiting: the batch may use every core (the solo session) without taking
   * them from another batch. A batch that finds company later keeps its session; the newcomer shares the cores.
   */
  readonly alone: boolean;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * A bounded queue in front of `runners` runners (inference sessions), each executing one batch at a time. With
 * `maxBatchSize` > 1 it groups waiting items into one run (micro-batching): a batch starts when it is full, or
 * `maxDelayMs` after its first item arrived, and only when a runner is free.
 */
export class BatchScheduler<T, R> {
  private readonly queue: Pending<T, R>[] = [];
  private running = 0;
  private readonly runners: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly runBatch: (items: T[], context: BatchContext) => Promise<R[]>,
    private readonly options: SchedulerOptions,
  ) {
    if (options.maxBatchSize < 1) throw new RangeError('maxBatchSize must be at least 1');
    this.runners = options.runners ?? 1;
    if (!Number.isInteger(this.runners) || this.runners < 1)
      throw new RangeError('runners must be a whole number of at least 1');
  }

  /** Items waiting to run. */
  get depth(): number {
    return this.queue.length;
  }

  /** Batches running now. */
  get runningBatches(): number {
    return this.running;
  }

  submit(item: T): Promise<R> {
    if (this.queue.length >= this.options.maxQueueDepth) {
      return Promise.reject(
        new HttpError(
          'QUEUE_FULL',
          `inference queue is full (${this.options.maxQueueDepth} waiting); retry later`,
        ),
      );
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    if (this.queue.length === 0) {
      if (this.running === 0) this.idleWaiters.splice(0).forEach((r) => r());
      return;
    }
    if (this.running >= this.runners) return;
    const { maxBatchSize, maxDelayMs } = this.options;
    if (this.queue.length < maxBatchSize && maxDelayMs > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.dispatch();
      }, maxDelayMs);
      return;
    }
    this.dispatch();
  }

  /** Starts batches while items wait and runners are free. */
  private dispatch(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.running < this.runners && this.queue.length > 0) this.start();
  }

  private start(): void {
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    const alone = this.running === 0 && this.queue.length === 0;
    this.running++;
    let outcome: Promise<R[]>;
    try {
      outcome = this.runBatch(
        batch.map((p) => p.item),
        { alone },
      );
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome
      .then(
        (results) => {
          if (results.length !== batch.length) {
            throw new Error(`runner returned ${results.length} results for a batch of ${batch.length}`);
          }
          batch.forEach((p, i) => p.resolve(results[i] as R));
        },
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
      .finally(() => {
        this.running--;
        this.pump();
      });
  }
}
