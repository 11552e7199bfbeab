/**
 * The live shadow's verdict: the candidate (shadow variant) against the serving model (production variant) on the
 * same live requests, paired by inference id from the two variants' data capture. The figures are the replay's
 * (top-1 agreement, confidence shift, p95 latency ratio) plus the not-a-dog rate, checked against `rollout.shadow`;
 * a candidate that fails any paired request fails. Pure: the local stack computes it live, the pipeline's shadow step
 * on S3 captures.
 */
import type { QualityCheck, ShadowFigures, ShadowSpec, ShadowVerdict } from '@dogbreed/platform-spec';
import type { CaptureObservation } from './captures.js';
import { check, verdictOf } from './checks.js';
import { breedKey } from './labels.js';
import { latencySummary, mean } from './stats.js';

/** One live request as both variants answered it. */
export interface ShadowPair {
  readonly inferenceId: string;
  readonly serving: CaptureObservation;
  readonly candidate: CaptureObservation;
}

/**
 * Pairs the two variants' observations by inference id (SageMaker copies the request's `InferenceId` into both
 * captures). Observations without an inference id, or whose id the other side lacks, are counted, not paired: a
 * production request the shadow was not sampled for is expected; a shadow answer without its production twin is not.
 */
export function pairByInferenceId(
  serving: readonly CaptureObservation[],
  candidate: readonly CaptureObservation[],
): { pairs: ShadowPair[]; unpairedServing: number; unpairedCandidate: number } {
  const byId = new Map<string, CaptureObservation>();
  for (const o of candidate) if (o.inferenceId) byId.set(o.inferenceId, o);
  const pairs: ShadowPair[] = [];
  for (const s of serving) {
    const c = s.inferenceId ? byId.get(s.inferenceId) : undefined;
    if (!s.inferenceId || !c) continue;
    pairs.push({ inferenceId: s.inferenceId, serving: s, candidate: c });
    byId.delete(s.inferenceId);
  }
  return {
    pairs,
    unpairedServing: serving.length - pairs.length,
    unpairedCandidate: candidate.filter((o) => !o.inferenceId).length + byId.size,
  };
}

export {
  ShadowFiguresSchema,
  ShadowVerdictSchema,
  type ShadowFigures,
  type ShadowVerdict,
} from '@dogbreed/platform-spec';

type Answered = ShadowPair & {
  readonly serving: Extract<CaptureObservation, { ok: true }>;
  readonly candidate: Extract<CaptureObservation, { ok: true }>;
};

export function shadowFigures(pairs: readonly ShadowPair[]): ShadowFigures {
  const answered = pairs.filter((p): p is Answered => p.serving.ok && p.candidate.ok);
  const n = answered.length;
  const withDog = answered.filter((p) => p.serving.dog && p.candidate.dog);
  const notADogRate = (side: 'serving' | 'candidate') =>
    withDog.filter((p) => p[side].dog?.isDog === false).length / withDog.length;
  let latency: ShadowFigures['latency'] = null;
  if (n > 0) {
    const serving = latencySummary(answered.map((p) => p.serving.latencyMs));
    const candidate = latencySummary(answered.map((p) => p.candidate.latencyMs));
    latency = { serving, candidate, p95Ratio: candidate.p95Ms / serving.p95Ms };
  }
  return {
    compared: n,
    candidateErrors: pairs.filter((p) => !p.candidate.ok).length,
    servingErrors: pairs.filter((p) => !p.serving.ok).length,
    agreement:
      n === 0
        ? null
        : answered.filter((p) => breedKey(p.serving.top1.label) === breedKey(p.candidate.top1.label)).length /
          n,
    meanConfidenceShift:
      n === 0
        ? null
        : mean(answered.map((p) => Math.abs(p.candidate.top1.probability - p.serving.top1.probability))),
    notADog:
      withDog.length === 0
        ? null
        : {
            serving: notADogRate('serving'),
            candidate: notADogRate('candidate'),
            increase: notADogRate('candidate') - notADogRate('serving'),
          },
    latency,
  };
}

export function shadowChecks(f: ShadowFigures, t: ShadowSpec): QualityCheck[] {
  return [
    check('minPairs', 'requests both variants answered', f.compared, '>=', t.minPairs),
    check('candidateErrors', 'paired requests the candidate failed', f.candidateErrors, '<=', 0),
    check('minTop1Agreement', 'top-1 breed agreement', f.agreement, '>=', t.minTop1Agreement),
    check(
      'maxMeanConfidenceShift',
      'mean |Δ top-1 confidence|',
      f.meanConfidenceShift,
      '<=',
      t.maxMeanConfidenceShift,
    ),
    check(
      'maxNotADogRateIncrease',
      'not-a-dog rate, candidate − serving',
      f.notADog?.increase ?? null,
      '<=',
      t.maxNotADogRateIncrease,
      f.notADog === null,
    ),
    check(
      'maxP95LatencyRatio',
      'p95 model latency, candidate ÷ serving',
      f.latency?.p95Ratio ?? null,
      '<=',
      t.maxP95LatencyRatio,
    ),
  ];
}

/** The verdict on the two variants' captured answers: pair, measure, check. */
export function shadowVerdict(
  serving: readonly CaptureObservation[],
  candidate: readonly CaptureObservation[],
  thresholds: ShadowSpec,
): ShadowVerdict {
  const { pairs, unpairedServing, unpairedCandidate } = pairByInferenceId(serving, candidate);
  const figures = shadowFigures(pairs);
  const checks = shadowChecks(figures, thresholds);
  return {
    verdict: verdictOf(checks),
    figures,
    checks,
    unpaired: { serving: unpairedServing, candidate: unpairedCandidate },
  };
}
