import { describe, expect, it } from 'vitest';
import { pickWorker, splitRows } from './model.js';

describe('splitRows', () => {
  it('splits a batch output into one row per image', () => {
    const batch = Float32Array.from([1, 2, 3, 4]);
    expect(splitRows(batch, 2).map((r) => Array.from(r))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('refuses a size that does not divide', () => {
    expect(() => splitRows(new Float32Array(5), 2)).toThrow(RangeError);
  });
});

describe('pickWorker', () => {
  const solo = { name: 'solo', hasSolo: true };
  const plain = { name: 'plain', hasSolo: false };

  it('runs a lone batch on the solo session', () => {
    expect(pickWorker([plain, solo], true)).toEqual({ worker: solo, solo: true });
  });

  it('runs a batch with company on a per-core session, the solo-capable worker last', () => {
    expect(pickWorker([solo, plain], false)).toEqual({ worker: plain, solo: false });
    expect(pickWorker([solo], false)).toEqual({ worker: solo, solo: false });
  });

  it('takes the worker that came back last, the warmest', () => {
    const first = { name: 'first', hasSolo: false };
    const second = { name: 'second', hasSolo: false };
    expect(pickWorker([first, second], false)?.worker).toBe(second);
    expect(pickWorker([second, first], true)?.worker).toBe(first);
  });

  it('falls back to any free worker when none has a solo session, and to none when none is free', () => {
    expect(pickWorker([plain], true)).toEqual({ worker: plain, solo: false });
    expect(pickWorker([], true)).toBeUndefined();
  });
});
