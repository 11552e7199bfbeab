/** The rollout verifier's rules on synthetic runs (4 req/s, canary 50 %), and the reading of k6's JSON samples. */
import { describe, expect, it } from 'vitest';
import type { CheckResult } from './rules';
import {
  blueBucketMs,
  parseRolloutSamples,
  verifyRollout,
  type RolloutExpectations,
  type RolloutRequest,
} from './rollout';

const T0 = 1_800_000_000_000;
const BLUE = 'tiny-blue-1';
const GREEN = 'tiny-green-2';
/** 4 requests/s for 20 s; the update runs from 3 s to 8 s. */
const RATE_MS = 250;
const N = 80;
const UPDATE = { updateStartedAt: T0 + 3_000, decidedAt: T0 + 8_000 };

/**
 * A run where the router sends every other request to green from `shiftAt` (canary 50 %), everything to `after`
 * from `decidedAt`; `greenFails` makes green's answers 424s.
 */
function run(o: {
  shiftAt: number;
  after: 'blue' | 'green';
  greenFails?: boolean;
  fullShiftAt?: number;
}): RolloutRequest[] {
  return Array.from({ length: N }, (_, i) => {
    const start = T0 + i * RATE_MS;
    let toGreen = false;
    if (start > UPDATE.decidedAt) toGreen = o.after === 'green';
    else if (o.fullShiftAt !== undefined && start >= o.fullShiftAt) toGreen = true;
    else if (start >= o.shiftAt) toGreen = i % 2 === 0;
    if (toGreen && o.greenFails) return { start, end: start + 20, status: 424, model: '' };
    return { start, end: start + 20, status: 200, model: toGreen ? GREEN : BLUE };
  });
}

const expectations = (outcome: RolloutExpectations['outcome']): RolloutExpectations => ({
  blueModel: BLUE,
  candidateModel: GREEN,
  outcome,
  firstStepPercent: 50,
  ...UPDATE,
  iterations: N,
  droppedIterations: 0,
});

const failing = (rs: CheckResult[]) => rs.filter((r) => !r.pass).map((r) => r.id);

describe('rollout verifier', () => {
  it('passes a promotion: canary, full shift, then only the candidate', () => {
    const rs = verifyRollout(
      run({ shiftAt: T0 + 4_000, fullShiftAt: T0 + 6_000, after: 'green' }),
      expectations('promoted'),
    );
    expect(rs.filter((r) => !r.pass)).toEqual([]);
    expect(rs.map((r) => r.id)).toEqual([
      'rollout-no-request-lost',
      'rollout-known-models',
      'rollout-blue-served',
      'rollout-failures-bounded',
      'rollout-final-model',
    ]);
  });

  it('passes a rollback of a failing candidate: its failures are the canary share, blue serves throughout', () => {
    const rs = verifyRollout(
      run({ shiftAt: T0 + 4_000, after: 'blue', greenFails: true }),
      expectations('rolled-back'),
    );
    expect(failing(rs)).toEqual([]);
    expect(rs.find((r) => r.id === 'rollout-failures-bounded')?.actual).toBe(
      '9 failures, 0 outside the update',
    );
    expect(rs.map((r) => r.id)).toContain('rollout-candidate-share');
  });

  it('fails when the outcome is not the expected one', () => {
    const promoted = run({ shiftAt: T0 + 4_000, fullShiftAt: T0 + 6_000, after: 'green' });
    expect(failing(verifyRollout(promoted, expectations('rolled-back')))).toEqual([
      'rollout-blue-served',
      'rollout-candidate-share',
      'rollout-final-model',
    ]);
  });

  it('fails a lost request, a dropped iteration and a missing sample', () => {
    const rs = run({ shiftAt: T0 + 4_000, after: 'blue' });
    rs[5] = { ...(rs[5] as RolloutRequest), status: 0, model: '' };
    const lost = verifyRollout(rs, expectations('rolled-back'));
    expect(failing(lost)).toContain('rollout-no-request-lost');
    expect(lost[0]?.message).toMatch(/1 got no response/);
    const dropped = verifyRollout(run({ shiftAt: T0 + 4_000, after: 'blue' }), {
      ...expectations('rolled-back'),
      iterations: N + 2,
      droppedIterations: 1,
    });
    expect(dropped[0]?.message).toMatch(
      /2 iterations left no sample, 1 scheduled iterations were never sent/,
    );
  });

  it('fails when more than the canary share failed, or failures came outside the update', () => {
    const allFail = run({ shiftAt: T0 + 4_000, after: 'blue' }).map((r) =>
      r.start >= T0 + 4_000 && r.start <= UPDATE.decidedAt ? { ...r, status: 500, model: '' } : r,
    );
    const rs = verifyRollout(allFail, expectations('rolled-back'));
    expect(failing(rs)).toEqual([
      'rollout-blue-served',
      'rollout-failures-bounded',
      'rollout-candidate-share',
    ]);
    const early = run({ shiftAt: T0 + 4_000, after: 'blue' });
    early[1] = { ...(early[1] as RolloutRequest), status: 503, model: '' };
    expect(failing(verifyRollout(early, expectations('rolled-back')))).toEqual(['rollout-failures-bounded']);
  });

  it('fails a cut-over (blue stopped before green answered) and answers from an unknown model', () => {
    const cut = run({ shiftAt: T0 + 4_000, fullShiftAt: T0 + 4_000, after: 'green' });
    expect(failing(verifyRollout(cut, expectations('promoted')))).toEqual(['rollout-blue-served']);
    const stranger = run({ shiftAt: T0 + 4_000, after: 'blue' });
    stranger[0] = { ...(stranger[0] as RolloutRequest), model: 'someone-else' };
    expect(failing(verifyRollout(stranger, expectations('rolled-back')))).toEqual(['rollout-known-models']);
  });

  it('fails a run whose load ended before the decision', () => {
    const short = run({ shiftAt: T0 + 4_000, after: 'blue' }).filter((r) => r.start <= UPDATE.decidedAt);
    const rs = verifyRollout(short, { ...expectations('rolled-back'), iterations: short.length });
    expect(rs.find((r) => r.id === 'rollout-final-model')?.message).toMatch(/load ended before the rollout/);
  });

  it('sizes the blue slices for about three blue requests', () => {
    expect(blueBucketMs(4, 50)).toBe(1500);
    expect(blueBucketMs(20, 50)).toBe(1000);
  });
});

describe("k6's JSON samples", () => {
  it('reads the rollout metric only: start = time − duration, status and model from the tags', () => {
    const text = [
      '{"type":"Metric","data":{"name":"rollout_requests","type":"trend"},"metric":"rollout_requests"}',
      '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-30T01:00:00.5Z","value":3,"tags":{"status":"200"}}}',
      '{"metric":"rollout_requests","type":"Point","data":{"time":"2026-11-30T01:00:01.250123456Z","value":50,"tags":{"status":"424","model":""}}}',
      '{"metric":"rollout_requests","type":"Point","data":{"time":"2026-11-30T01:00:01.000Z","value":12.5,"tags":{"status":"200","model":"v1","scenario":"rollout"}}}',
      '',
    ].join('\n');
    const t = Date.parse('2026-11-30T01:00:01Z');
    expect(parseRolloutSamples(text)).toEqual([
      { start: t - 12.5, end: t, status: 200, model: 'v1' },
      { start: t + 250 - 50, end: t + 250, status: 424, model: '' },
    ]);
  });
});
