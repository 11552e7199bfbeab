/**
 * The shadow phase's pure parts: which endpoints shadow their candidate (none on a first deploy, none when off or
 * unchanged), the capture folders a window covers, and the verdict's summary and failure message.
 */
import { specWith } from '@dogbreed/testing';
import type { ShadowVerdict } from '@dogbreed/model-quality';
import { describe, expect, it } from 'vitest';
import { captureHourPrefixes, failedChecks, planShadow, verdictMarkdown } from './shadow.js';

const spec = specWith({});
const CAND = {
  single: 's3://b/training-output/single/new/output/model.tar.gz',
  multi: 's3://b/models/multi.tar.gz',
};
const OLD = 's3://b/training-output/single/old/output/model.tar.gz';

describe('planShadow', () => {
  it('shadows the endpoint whose candidate differs from what it serves, and keeps serving its model meanwhile', () => {
    const p = planShadow(spec, CAND, { single: OLD, multi: CAND.multi });
    expect(p.shadow).toBe(true);
    expect(p.modes).toEqual(['single']);
    expect(p.shadowContext).toBe(
      `--context modelDataUrlSingle=${OLD} --context modelDataUrlMulti=${CAND.multi} --context shadowModelDataUrlSingle=${CAND.single}`,
    );
    expect(p.servingContext).toBe(
      `--context modelDataUrlSingle=${OLD} --context modelDataUrlMulti=${CAND.multi}`,
    );
  });

  it('no shadow on a first deploy (nothing serves), when every endpoint serves its model, or when off', () => {
    expect(planShadow(spec, CAND, {})).toMatchObject({ shadow: false, reason: /first deploy/ });
    expect(planShadow(spec, CAND, { ...CAND })).toMatchObject({ shadow: false, reason: /already serves/ });
    const off = specWith({ rollout: { shadow: { enabled: false } } });
    expect(planShadow(off, CAND, { single: OLD, multi: OLD })).toMatchObject({ shadow: false, modes: [] });
  });
});

describe('captureHourPrefixes', () => {
  it('lists each hour folder of the window, both ends included', () => {
    const since = new Date('2026-03-01T10:50:00Z');
    expect(captureHourPrefixes('ep', 'AllTraffic-shadow', since, new Date('2026-03-01T12:05:00Z'))).toEqual([
      'data-capture/ep/AllTraffic-shadow/2026/03/01/10/',
      'data-capture/ep/AllTraffic-shadow/2026/03/01/11/',
      'data-capture/ep/AllTraffic-shadow/2026/03/01/12/',
    ]);
  });

  it('reads at most a day of folders, however long the window', () => {
    const since = new Date('2026-03-01T00:00:00Z');
    expect(captureHourPrefixes('ep', 'v', since, new Date('2026-03-09T00:00:00Z'))).toHaveLength(25);
  });
});

describe('the verdict report', () => {
  const verdict: ShadowVerdict = {
    verdict: 'fail',
    figures: {
      compared: 60,
      candidateErrors: 0,
      servingErrors: 0,
      agreement: 0.5,
      meanConfidenceShift: 0.02,
      notADog: null,
      latency: null,
    },
    checks: [
      { name: 'minPairs', description: 'pairs', value: 60, comparator: '>=', limit: 50, result: 'pass' },
      {
        name: 'minTop1Agreement',
        description: 'agreement',
        value: 0.5,
        comparator: '>=',
        limit: 0.9,
        result: 'fail',
      },
    ],
    unpaired: { serving: 3, candidate: 0 },
  };

  it('names each failed check with its figure and bound', () => {
    expect(failedChecks({ 'ep-a': verdict })).toBe('ep-a: minTop1Agreement (0.500, needs >= 0.900)');
    expect(
      failedChecks({ 'ep-a': { ...verdict, verdict: 'pass', checks: verdict.checks.slice(0, 1) } }),
    ).toBe('');
  });

  it('tables the checks and the figures for the job summary', () => {
    const md = verdictMarkdown('ep-a', verdict);
    expect(md).toContain('### Shadow verdict: ep-a: FAIL');
    expect(md).toContain('| agreement (minTop1Agreement) | 0.500 | >= 0.900 | fail |');
    expect(md).toContain('| pairs compared | 60 | 60 |');
  });
});
