/**
 * The replay's figures from its pairs of outcomes: pure, so every number in the report is unit-tested. Only
 * requests both sides answered are compared (agreement, flips, accuracy, confidence, latency); errors are counted
 * per side. Breeds are compared by `breedKey` (./labels.ts).
 */
import { breedKey, latencySummary, mean } from '@dogbreed/model-quality';
import type { Outcome } from './invoke.js';
import { classOverlap, labelsOutside } from './labels.js';
import type { ReplayFigures } from './report.js';
import type { RequestSource } from './requests.js';

/** One request and what each side answered. */
export interface ReplayPair {
  readonly id: string;
  readonly source: RequestSource;
  readonly label?: string;
  readonly baseline: Outcome;
  readonly candidate: Outcome;
}

export interface ClassLists {
  readonly baseline?: readonly string[];
  readonly candidate?: readonly string[];
}

/** How many error examples the report keeps. */
export const ERROR_EXAMPLES = 10;

type Answered = ReplayPair & {
  readonly baseline: Extract<Outcome, { ok: true }>;
  readonly candidate: Extract<Outcome, { ok: true }>;
};

function accuracyOf(pairs: readonly Answered[]) {
  const count = (side: 'baseline' | 'candidate') =>
    pairs.filter((p) => breedKey(p[side].label) === breedKey(p.label as string)).length;
  const b = count('baseline');
  const c = count('candidate');
  const n = pairs.length;
  return n === 0
    ? { baseline: null, candidate: null }
    : { baseline: { correct: b, rate: b / n }, candidate: { correct: c, rate: c / n } };
}

/** How many of `answered` got the same top-1 breed from both sides, and the rate (null when there are none). */
function agreementOf(answered: readonly Answered[]): { agree: number; rate: number | null } {
  const agree = answered.filter((p) => breedKey(p.baseline.label) === breedKey(p.candidate.label)).length;
  return { agree, rate: answered.length === 0 ? null : agree / answered.length };
}

export function summarise(pairs: readonly ReplayPair[], classes: ClassLists = {}): ReplayFigures {
  const answered = pairs.filter((p): p is Answered => p.baseline.ok && p.candidate.ok);
  const examples = pairs
    .flatMap((p) =>
      (['baseline', 'candidate'] as const).flatMap((side) => {
        const o = p[side];
        return o.ok ? [] : [{ id: p.id, side, error: o.error }];
      }),
    )
    .slice(0, ERROR_EXAMPLES);

  const candidateKeys = classes.candidate && new Set(classes.candidate.map(breedKey));
  const flipCounts = new Map<string, { from: string; to: string; count: number }>();
  for (const p of answered) {
    const from = breedKey(p.baseline.label);
    const to = breedKey(p.candidate.label);
    if (from === to) continue;
    const key = `${from}\u0000${to}`;
    const cur = flipCounts.get(key) ?? { from: p.baseline.label, to: p.candidate.label, count: 0 };
    cur.count += 1;
    flipCounts.set(key, cur);
  }
  const flips = [...flipCounts.values()]
    .sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
    .map((f) => (candidateKeys ? { ...f, candidateHasFrom: candidateKeys.has(breedKey(f.from)) } : f));

  // Where the serving model's answer is a breed the candidate has: the agreement the candidate could have reached.
  const comparable = candidateKeys && answered.filter((p) => candidateKeys.has(breedKey(p.baseline.label)));

  const labelled = answered.filter((p) => p.label !== undefined);
  let accuracy: ReplayFigures['accuracy'] = null;
  if (labelled.length > 0) {
    const all = accuracyOf(labelled);
    const labels = labelled.map((p) => p.label as string);
    const unknownTo = {
      ...(classes.baseline ? { baseline: labelsOutside(labels, classes.baseline) } : {}),
      ...(classes.candidate ? { candidate: labelsOutside(labels, classes.candidate) } : {}),
    };
    let commonLabels: NonNullable<ReplayFigures['accuracy']>['commonLabels'];
    if (unknownTo.baseline && unknownTo.candidate) {
      const outside = new Set([...unknownTo.baseline, ...unknownTo.candidate]);
      const common = labelled.filter((p) => !outside.has(p.label as string));
      commonLabels = { labelled: common.length, ...accuracyOf(common) };
    }
    const baseline = all.baseline as { correct: number; rate: number };
    const candidate = all.candidate as { correct: number; rate: number };
    accuracy = {
      labelled: labelled.length,
      baseline,
      candidate,
      drop: baseline.rate - candidate.rate,
      labelsUnknownTo: unknownTo,
      ...(commonLabels ? { commonLabels } : {}),
    };
  }

  const overlap = classes.baseline && classes.candidate && classOverlap(classes.baseline, classes.candidate);

  return {
    requests: pairs.length,
    compared: answered.length,
    errors: {
      baseline: pairs.filter((p) => !p.baseline.ok).length,
      candidate: pairs.filter((p) => !p.candidate.ok).length,
      examples,
    },
    agreement: {
      ...agreementOf(answered),
      ...(comparable ? { comparable: { requests: comparable.length, ...agreementOf(comparable) } } : {}),
    },
    flips,
    accuracy,
    confidence:
      answered.length === 0
        ? null
        : {
            meanAbsShift: mean(answered.map((p) => Math.abs(p.candidate.confidence - p.baseline.confidence))),
            baselineMean: mean(answered.map((p) => p.baseline.confidence)),
            candidateMean: mean(answered.map((p) => p.candidate.confidence)),
          },
    latency:
      answered.length === 0
        ? null
        : (() => {
            const baseline = latencySummary(answered.map((p) => p.baseline.latencyMs));
            const candidate = latencySummary(answered.map((p) => p.candidate.latencyMs));
            return { baseline, candidate, p95Ratio: candidate.p95Ms / baseline.p95Ms };
          })(),
    ...(overlap
      ? {
          classes: {
            common: overlap.common,
            onlyBaseline: [...overlap.onlyFirst],
            onlyCandidate: [...overlap.onlySecond],
          },
        }
      : {}),
  };
}
