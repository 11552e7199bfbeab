import { describe, expect, it } from 'vitest';
import {
  bestLevel,
  bestOfRounds,
  bestOfSweep,
  compareSet,
  comparisonTable,
  formatTable,
  levelTable,
  topOneAgreement,
  type LoadFigures,
} from './versus.js';

const at = (concurrency: number, imagesPerSecond: number, p50Ms: number): LoadFigures => ({
  concurrency,
  requests: 100,
  imagesPerSecond,
  p50Ms,
  p95Ms: p50Ms * 1.5,
});

describe('compareSet', () => {
  it('compares each server at its own best concurrency and p50 at concurrency 1', () => {
    const ours = [at(1, 50, 14), at(4, 130, 30), at(16, 120, 130)];
    const peer = [at(1, 30, 20), at(4, 80, 50), at(16, 100, 160)];
    const c = compareSet('small', ours, peer);
    expect(c.ours.best.concurrency).toBe(4);
    expect(c.peer.best.concurrency).toBe(16);
    expect(c.imagesPerSecondRatio).toBeCloseTo(1.3, 12);
    expect(c.p50AtConcurrency1Ratio).toBeCloseTo(0.7, 12);
    // The targets are inclusive: exactly 1.3× and exactly 0.7× meet them.
    expect([c.imagesPerSecondMet, c.p50AtConcurrency1Met]).toEqual([true, true]);
  });

  it('marks each target not met on its own', () => {
    const c = compareSet('phone', [at(1, 10, 15), at(16, 12, 100)], [at(1, 10, 20), at(16, 10, 120)]);
    expect(c.imagesPerSecondRatio).toBeCloseTo(1.2, 12);
    expect([c.imagesPerSecondMet, c.p50AtConcurrency1Met]).toEqual([false, false]);
    const faster = compareSet('phone', [at(1, 10, 10), at(16, 20, 100)], [at(1, 10, 20), at(16, 10, 120)]);
    expect([faster.imagesPerSecondMet, faster.p50AtConcurrency1Met]).toEqual([true, true]);
    const custom = compareSet('phone', [at(1, 10, 15), at(16, 12, 100)], [at(1, 10, 20), at(16, 10, 120)], {
      imagesPerSecondVsPeer: 1.1,
      p50AtConcurrency1VsPeer: 0.8,
    });
    expect([custom.imagesPerSecondMet, custom.p50AtConcurrency1Met]).toEqual([true, true]);
  });

  it('meets nothing when a figure is missing (NaN), and needs a level at concurrency 1', () => {
    const c = compareSet('small', [at(1, Number.NaN, Number.NaN)], [at(1, 10, 20)]);
    expect([c.imagesPerSecondMet, c.p50AtConcurrency1Met]).toEqual([false, false]);
    expect(() => compareSet('small', [at(4, 10, 20)], [at(1, 10, 20)])).toThrow(
      'ours has no level at concurrency 1',
    );
    expect(() => compareSet('small', [], [at(1, 10, 20)])).toThrow('no levels');
  });
});

describe('bestLevel and bestOfSweep', () => {
  it('keep the most images per second, the first of equals', () => {
    expect(bestLevel([at(1, 5, 1), at(4, 9, 1), at(16, 9, 1)]).concurrency).toBe(4);
    const sweep = [
      { name: 'a', imagesPerSecond: 3 },
      { name: 'b', imagesPerSecond: 7 },
      { name: 'c', imagesPerSecond: 6 },
    ];
    expect(bestOfSweep(sweep).name).toBe('b');
    expect(() => bestOfSweep([])).toThrow('no configuration');
  });
});

describe('bestOfRounds', () => {
  it('keeps, per concurrency, the round with the most images per second, its figures together', () => {
    const best = bestOfRounds([
      [at(1, 40, 20), at(4, 90, 40)],
      [at(1, 45, 25), at(4, 80, 30)],
    ]);
    expect(best).toEqual([at(1, 45, 25), at(4, 90, 40)]);
    expect(bestOfRounds([[at(1, 40, 20)]])).toEqual([at(1, 40, 20)]);
    expect(bestOfRounds([])).toEqual([]);
  });
});

describe('topOneAgreement', () => {
  it('counts the images both answered and those whose top-1 matched', () => {
    const ours = new Map([
      [0, 11],
      [1, 4],
      [2, 7],
    ]);
    const peer = new Map([
      [0, 11],
      [1, 5],
      [3, 7],
    ]);
    expect(topOneAgreement(ours, peer)).toEqual({ compared: 2, agreed: 1 });
  });
});

describe('tables', () => {
  it('pads the first column left and the others right, under a rule', () => {
    expect(
      formatTable(
        ['name', 'n'],
        [
          ['a', '1'],
          ['bbb', '22'],
        ],
      ).split('\n'),
    ).toEqual(['name   n', '----  --', 'a      1', 'bbb   22']);
    expect(formatTable(['a', 'b', 'n'], [['x', 'yy', '1']], 2).split('\n')[2]).toBe('x  yy  1');
  });

  it('prints a row per set, server and level, and the ratios with met / NOT met', () => {
    const levels = levelTable([{ set: 'small', server: 'ours', levels: [at(1, 50, 14), at(4, 130.26, 30)] }]);
    expect(levels.split('\n')).toHaveLength(4);
    expect(levels).toContain('130.3');
    const ratios = comparisonTable([
      compareSet('small', [at(1, 50, 14), at(4, 130, 30)], [at(1, 30, 20), at(4, 100, 50)]),
    ]);
    expect(ratios).toMatch(
      /small\s+130\.0 \(4\)\s+100\.0 \(4\)\s+1\.30×\s+≥ 1\.3×\s+met\s+14\.0 \/ 20\.0 ms\s+0\.70×\s+≤ 0\.7×\s+met/,
    );
    const slower = comparisonTable([compareSet('phone', [at(1, 10, 20)], [at(1, 10, 20)])]);
    expect(slower.match(/NOT met/g)).toHaveLength(2);
  });
});
