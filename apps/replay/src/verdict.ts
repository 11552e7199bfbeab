/**
 * The verdict: each `rollout.replay` threshold as a check with its value, limit and result, plus one rule that is
 * not a number: a candidate that fails any request fails the replay (the serving model's errors are reported but are
 * not the candidate's fault). A check with nothing to measure (accuracy without labelled images) is `n/a`; any other
 * missing value (nothing compared) fails.
 */
import { check, type QualityCheck } from '@dogbreed/model-quality';
import type { ReplayThresholds } from '@dogbreed/platform-spec';
import type { ReplayFigures } from './report.js';

export function replayChecks(figures: ReplayFigures, t: ReplayThresholds): QualityCheck[] {
  return [
    check('minRequests', 'requests both sides answered', figures.compared, '>=', t.minRequests),
    check('candidateErrors', 'requests the candidate failed', figures.errors.candidate, '<=', 0),
    check('minTop1Agreement', 'top-1 breed agreement', figures.agreement.rate, '>=', t.minTop1Agreement),
    check(
      'maxAccuracyDrop',
      'top-1 accuracy drop on labelled images (serving − candidate)',
      figures.accuracy?.drop ?? null,
      '<=',
      t.maxAccuracyDrop,
      figures.accuracy === null,
    ),
    check(
      'maxMeanConfidenceShift',
      'mean |Δ top-1 confidence|',
      figures.confidence?.meanAbsShift ?? null,
      '<=',
      t.maxMeanConfidenceShift,
    ),
    check(
      'maxP95LatencyRatio',
      'p95 latency, candidate ÷ serving',
      figures.latency?.p95Ratio ?? null,
      '<=',
      t.maxP95LatencyRatio,
    ),
  ];
}

export { verdictOf } from '@dogbreed/model-quality';
