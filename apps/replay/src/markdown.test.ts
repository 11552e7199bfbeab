/** The Markdown report: verdict and checks table first, then the figures, flips and class-list differences. */
import { DEFAULT_SPEC } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import type { Outcome } from './invoke.js';
import { MARKDOWN_LIST_LIMIT, renderMarkdown } from './markdown.js';
import { buildReport } from './replay.js';
import type { ReplayPair } from './stats.js';

const ans = (label: string, confidence: number): Outcome => ({
  ok: true,
  label,
  confidence,
  latencyMs: 10,
  modelVersion: 'v',
});

function report(pairs: ReplayPair[], baselineClasses: string[], candidateClasses: string[]) {
  return buildReport(
    {
      baseline: {
        url: 'u',
        target: 'models/serving',
        kind: 'model-dir',
        modelVersion: 's-1',
        classNames: baselineClasses,
      },
      candidate: {
        url: 'u',
        target: 'models/candidate',
        kind: 'model-dir',
        modelVersion: 'c-1',
        classNames: candidateClasses,
      },
      thresholds: { ...DEFAULT_SPEC.rollout.replay, minRequests: 1 },
      inputs: { images: 'test', imageRequests: pairs.length, captureRequests: 0, capturesWithoutInput: 0 },
      createdAt: new Date('2026-11-30T01:00:00Z'),
    },
    pairs,
  );
}

describe('renderMarkdown', () => {
  const pairs: ReplayPair[] = [
    {
      id: 'a',
      source: 'image',
      label: '003.beagle',
      baseline: ans('beagle', 0.9),
      candidate: ans('003.beagle', 0.9),
    },
    {
      id: 'b',
      source: 'image',
      label: '010.dingo',
      baseline: ans('kelpie', 0.5),
      candidate: ans('010.dingo', 0.8),
    },
  ];
  const md = renderMarkdown(report(pairs, ['beagle', 'kelpie'], ['003.beagle', '010.dingo']));

  it('starts with the verdict and a checks table with value, limit and result', () => {
    expect(md.split('\n')[0]).toBe('## Shadow replay: FAIL');
    expect(md).toContain('| top-1 breed agreement (`minTop1Agreement`) | 50.0 % | >= 90.0 % | fail |');
    expect(md).toContain(
      '| mean \\|Δ top-1 confidence\\| (`maxMeanConfidenceShift`) | 0.150 | <= 0.100 | fail |',
    );
    expect(md).toContain('| requests both sides answered (`minRequests`) | 2 | >= 1 | pass |');
  });

  it('says which flips the candidate could not avoid and which labels a model lacks', () => {
    expect(md).toContain('| kelpie (not a candidate class) | 010.dingo | 1 |');
    expect(md).toContain(
      '**Flips** (1, 1 from breeds the candidate has no class for: serving breed → candidate breed)',
    );
    expect(md).toContain(
      "**Agreement where the candidate has the serving model's breed** (1 of 2 requests): 100.0 %.",
    );
    expect(md).toContain('Labels the serving model has no class for: 010.dingo.');
    expect(md).toContain('On the 1 images whose breed both models have: serving 100.0 %, candidate 100.0 %.');
    expect(md).toContain('only the serving model (1): kelpie; only the candidate (1): 010.dingo.');
  });

  it('shortens long lists (the JSON keeps them whole)', () => {
    const many = Array.from({ length: MARKDOWN_LIST_LIMIT + 5 }, (_, i) => `breed ${i}`);
    const text = renderMarkdown(report(pairs, [...many, 'beagle', 'kelpie'], ['003.beagle', '010.dingo']));
    expect(text).toContain('… (+6 more)');
  });
});
