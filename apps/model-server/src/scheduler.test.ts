import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '@dogbreed/platform-spec';
import { BatchScheduler, type BatchContext } from './scheduler.js';

/** A runner whose batches finish only when the test says so. */
function controlledRunner() {
  const batches: { items: number[]; alone: boolean; finish: () => void; fail: (e: Error) => void }[] = [];
  const run = (items: number[], context: BatchContext) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push({
        items,
        alone: context.alone,
        finish: () => resolve(items.map((i) => i * 10)),
        fail: reject,
      });
    });
  return { run, batches };
}

const flush = () => new Promise((r) => setImmediate(r));

afterEach(() => vi.useRealTimers());

describe('BatchScheduler', () => {
  it('runs one item at a time without batching and keeps order', async () => {
    const r = controlledRunner();
    const s = new BatchScheduler(r.run, { maxQueueDepth: 10, maxBatchSize: 1, maxDelayMs: 0 });
    const results = [1, 2, 3].map((i) => s.submit(i));
    await flush();
    expect(r.batches.map((b) => b.items)).toEqual([[1]]);
    expect(s.depth).toBe(2);
    r.batches[0]?.finish();
    await flush();
    r.batches[1]?.finish();
    await flush();
    r.batches[2]?.finish();
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
    expect(r.batches.map((b) => b.items)).toEqual([[1], [2], [3]]);
    await s.idle();
  });

  it('refuses with QUEUE_FULL past maxQueueDepth waiting items', async () => {
    const r = controlledRunner();
    const s = new BatchScheduler(r.run, { maxQueueDepth: 2, maxBatchSize: 1, maxDelayMs: 0 });
    const ok = [s.submit(1), s.submit(2), s.submit(3)];
    const refused = await s.submit(4).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).code).toBe('QUEUE_FULL');
    expect((refused as HttpError).statusCode).toBe(503);
    for (let i = 0; i < 3; i++) {
      r.batches[i]?.finish();
      await flush();
    }
    expect(await Promise.all(ok)).toEqual([10, 20, 30]);
  });

  it('groups items that wait together into one batch of at most maxBatchSize', async () => {
    const r = controlledRunner();
    const s = new BatchScheduler(r.run, { maxQueueDepth: 10, maxBatchSize: 3, maxDelayMs: 0 });
    const first = s.submit(0);
    await flush();
    const rest = [1, 2, 3, 4].map((i) => s.submit(i));
    r.batches[0]?.finish();
    await flush();
    expect(r.batches.map((b) => b.items)).toEqual([[0], [1, 2, 3]]);
    r.batches[1]?.finish();
    await flush();
    r.batches[2]?.finish();
    expect(await Promise.all([first, ...rest])).toEqual([0, 10, 20, 30, 40]);
    expect(r.batches.map((b) => b.items)).toEqual([[0], [1, 2, 3], [4]]);
  });

  it('waits up to maxDelayMs for a partial batch, and runs a full one at once', async () => {
    vi.useFakeTimers();
    const r = controlledRunner();
    const s = new BatchScheduler(r.run, { maxQueueDepth: 10, maxBatchSize: 2, maxDelayMs: 5 });
    const a = s.submit(1);
    expect(r.batches).toHaveLength(0);
    vi.advanceTimersByTime(5);
    expect(r.batches.map((b) => b.items)).toEqual([[1]]);
    r.batches[0]?.finish();
    await a;
    await s.idle();
    const pair = [s.submit(2), s.submit(3)];
    expect(r.batches.map((b) => b.items)).toEqual([[1], [2, 3]]);
    r.batches[1]?.finish();
    expect(await Promise.all(pair)).toEqual([20, 30]);
  });

  it('rejects every item of a failed batch and keeps serving', async () => {
    const r = controlledRunner();
    const s = new BatchScheduler(r.run, { maxQueueDepth: 10, maxBatchSize: 4, maxDelayMs: 0 });
    const failed = s.submit(1);
    await flush();
    r.batches[0]?.fail(new Error('ort exploded'));
    await expect(failed).rejects.toThrow('ort exploded');
    const next = s.submit(2);
    await flush();
    r.batches[1]?.finish();
    expect(await next).toBe(20);
  });

  it('runs up to `runners` batches at once (one per inference session) and the rest as runners free up', async () => {
    const r = controlledRunner();
    const s = new BatchScheduler(r.run, { maxQueueDepth: 10, maxBatchSize: 1, maxDelayMs: 0, runners: 2 });
    const results = [1, 2, 3, 4].map((i) => s.submit(i));
    await flush();
    expect(r.batches.map((b) => b.items)).toEqual([[1], [2]]);
    expect([s.runningBatches, s.depth]).toEqual([2, 2]);
    r.batches[1]?.finish();
    await flush();
    expect(r.batches.map((b) => b.items)).toEqual([[1], [2], [3]]);
    let idle = false;
    void s.idle().then(() => (idle = true));
    r.batches[0]?.finish();
    await flush();
    r.batches[2]?.finish();
    await flush();
    expect(idle).toBe(false);
    r.batches[3]?.finish();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
    await flush();
    expect(idle).toBe(true);
    expect(s.runningBatches).toBe(0);
  });

  it('tells a batch it is alone only when nothing else runs or waits as it starts', async () => {
    const r = controlledRunner();
    const s = new BatchScheduler(r.run, { maxQueueDepth: 10, maxBatchSize: 1, maxDelayMs: 0, runners: 2 });
    const done = [s.submit(1)];
    await flush();
    // Arriving while 1 runs: not alone, though a runner is free.
    done.push(s.submit(2));
    await flush();
    // 3 and 4 wait for a runner; 3 starts with 4 still waiting, 4 starts while 2 runs.
    done.push(s.submit(3), s.submit(4));
    r.batches[0]?.finish();
    await flush();
    r.batches[1]?.finish();
    await flush();
    r.batches[2]?.finish();
    r.batches[3]?.finish();
    await Promise.all(done);
    await s.idle();
    // Idle again: the next one is alone.
    done.push(s.submit(5));
    await flush();
    r.batches[4]?.finish();
    await Promise.all(done);
    expect(r.batches.map((b) => [b.items[0], b.alone])).toEqual([
      [1, true],
      [2, false],
      [3, false],
      [4, false],
      [5, true],
    ]);
  });

  it('counts a whole batch that leaves nothing waiting as alone', async () => {
    const r = controlledRunner();
    const s = new BatchScheduler(r.run, { maxQueueDepth: 10, maxBatchSize: 2, maxDelayMs: 0 });
    const done = [1, 2, 3].map((i) => s.submit(i));
    await flush();
    r.batches[0]?.finish();
    await flush();
    r.batches[1]?.finish();
    await Promise.all(done);
    expect(r.batches.map((b) => [b.items, b.alone])).toEqual([
      [[1], true],
      [[2, 3], true],
    ]);
  });

  it('refuses a runner count below 1', () => {
    expect(
      () =>
        new BatchScheduler(async (x: number[]) => x, {
          maxQueueDepth: 1,
          maxBatchSize: 1,
          maxDelayMs: 0,
          runners: 0,
        }),
    ).toThrow(RangeError);
  });

  it('rejects when the runner returns the wrong number of results', async () => {
    const s = new BatchScheduler<number, number>(async () => [], {
      maxQueueDepth: 1,
      maxBatchSize: 1,
      maxDelayMs: 0,
    });
    await expect(s.submit(1)).rejects.toThrow('0 results for a batch of 1');
  });
});
