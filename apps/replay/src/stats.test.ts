/** The figures from made-up outcomes: agreement, flips, accuracy, confidence, latency and errors. */
import { describe, expect, it } from 'vitest';
import type { Outcome } from './invoke.js';
import { summarise, type ReplayPair } from './stats.js';

const ans = (label: string, confidence: number, latencyMs: number): Outcome => ({
  ok: true,
  label,
  confidence,
  latencyMs,
  modelVersion: 'v',
});
const fail = (error: string): Outcome => ({ ok: false, error, latencyMs: 1 });
const pair = (id: string, label: string | undefined, baseline: Outcome, candidate: Outcome): ReplayPair => ({
  id,
  source: label === undefined ? 'capture' : 'image',
  ...(label !== undefined ? { label } : {}),
  baseline,
  candidate,
});

describe('summarise', () => {
  const pairs = [
    // The serving model names ImageNet breeds, the candidate the dogs-mini folders: equal after normalisation.
    pair('003.beagle/a.jpg', '003.beagle', ans('beagle', 0.9, 10), ans('003.beagle', 0.8, 20)),
    pair('003.beagle/b.jpg', '003.beagle', ans('Walker hound', 0.5, 10), ans('003.beagle', 0.7, 20)),
    pair('010.dingo/c.jpg', '010.dingo', ans('kelpie', 0.6, 10), ans('010.dingo', 0.9, 20)),
    pair('010.dingo/d.jpg', '010.dingo', ans('kelpie', 0.4, 10), ans('010.dingo', 0.6, 20)),
    pair('cap.jsonl:1', undefined, ans('beagle', 0.9, 10), ans('003.beagle', 0.9, 20)),
    pair('cap.jsonl:2', undefined, fail('HTTP 500'), ans('003.beagle', 0.9, 20)),
    pair('cap.jsonl:3', undefined, ans('beagle', 0.9, 10), fail('no answer within 25000 ms')),
  ];
  const classes = { baseline: ['beagle', 'Walker hound', 'kelpie'], candidate: ['003.beagle', '010.dingo'] };
  const f = summarise(pairs, classes);

  it('compares only what both sides answered and counts errors per side', () => {
    expect(f.requests).toBe(7);
    expect(f.compared).toBe(5);
    expect(f.errors.baseline).toBe(1);
    expect(f.errors.candidate).toBe(1);
    expect(f.errors.examples).toEqual([
      { id: 'cap.jsonl:2', side: 'baseline', error: 'HTTP 500' },
      { id: 'cap.jsonl:3', side: 'candidate', error: 'no answer within 25000 ms' },
    ]);
  });

  it('counts agreement by breed key and lists flips, most frequent first', () => {
    expect(f.agreement).toEqual({ agree: 2, rate: 2 / 5, comparable: { requests: 2, agree: 2, rate: 1 } });
    expect(f.flips).toEqual([
      { from: 'kelpie', to: '010.dingo', count: 2, candidateHasFrom: false },
      { from: 'Walker hound', to: '003.beagle', count: 1, candidateHasFrom: false },
    ]);
  });

  it('scores accuracy on labelled images, overall and on the labels both models know', () => {
    expect(f.accuracy).toEqual({
      labelled: 4,
      baseline: { correct: 1, rate: 0.25 },
      candidate: { correct: 4, rate: 1 },
      drop: -0.75,
      labelsUnknownTo: { baseline: ['010.dingo'], candidate: [] },
      commonLabels: {
        labelled: 2,
        baseline: { correct: 1, rate: 0.5 },
        candidate: { correct: 2, rate: 1 },
      },
    });
    expect(f.classes).toEqual({
      common: 1,
      onlyBaseline: ['Walker hound', 'kelpie'],
      onlyCandidate: ['010.dingo'],
    });
  });

  it('measures the mean |Δ confidence| and the p95 latency ratio on compared requests', () => {
    expect(f.confidence?.meanAbsShift).toBeCloseTo((0.1 + 0.2 + 0.3 + 0.2 + 0) / 5, 10);
    expect(f.confidence?.baselineMean).toBeCloseTo((0.9 + 0.5 + 0.6 + 0.4 + 0.9) / 5, 10);
    expect(f.latency).toEqual({
      baseline: { p50Ms: 10, p95Ms: 10, meanMs: 10 },
      candidate: { p50Ms: 20, p95Ms: 20, meanMs: 20 },
      p95Ratio: 2,
    });
  });

  it('without class lists (URL targets) reports no coverage and no flip annotation', () => {
    const g = summarise(pairs);
    expect(g.classes).toBeUndefined();
    expect(g.agreement.comparable).toBeUndefined();
    expect(g.flips[0]).toEqual({ from: 'kelpie', to: '010.dingo', count: 2 });
    expect(g.accuracy?.labelsUnknownTo).toEqual({});
    expect(g.accuracy?.commonLabels).toBeUndefined();
  });

  it('with nothing compared has no rates, and no accuracy without labels', () => {
    const g = summarise([pair('x', undefined, fail('down'), fail('down'))]);
    expect(g.compared).toBe(0);
    expect(g.agreement.rate).toBeNull();
    expect(g.accuracy).toBeNull();
    expect(g.confidence).toBeNull();
    expect(g.latency).toBeNull();
  });
});
