/**
 * Drift over time: a window of served predictions (data capture) against the model's baseline, on the three
 * distributions that move when the photos people send change: the top-1 class mix, the top-1 confidence histogram
 * and the not-a-dog rate. The baseline is either the model's own predictions on its test split (evaluation.json's
 * confusion matrix and `predictionBaseline`, written by training) or an earlier capture window. PSI (`psi.ts`)
 * measures the two histograms; `driftChecks` holds them against `rollout.drift`, and a window with fewer answers than
 * `minRequests` says "not enough data" instead of alarming on noise. Pure: `dogbreed-drift` reads and writes.
 */
import type { DriftSpec } from '@dogbreed/platform-spec';
import { z } from 'zod';
import type { CaptureObservation } from './captures.js';
import { check, QualityCheckSchema, type QualityCheck } from './checks.js';
import { breedKey } from './labels.js';
import { psi, psiTerms } from './psi.js';

/**
 * The top-1 confidence histogram's bin edges: ten equal bins over [0, 1], the last one closed. Training writes its
 * histogram with the edges it used (`predictionBaseline.confidenceEdges`) and a baseline with other edges is
 * refused, so both sides always bin alike.
 */
export const CONFIDENCE_BIN_EDGES: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);

/** The class-mix bin of every class that does not get its own: the baseline's rare classes and unseen ones. */
export const OTHER_CLASS = '(other)';

/**
 * A class gets its own class-mix bin only when the window is expected to hold at least this many of its answers
 * (baseline share × window answers); the rest pool into `OTHER_CLASS`. PSI over many sparse bins is mostly sampling
 * noise (118 equally likely breeds and 200 answers give ≈ 0.6 with no drift at all); 5 per bin is the rule of thumb
 * chi-square tests use for the same reason.
 */
export const MIN_EXPECTED_PER_CLASS_BIN = 5;

const Count = z.number().int().nonnegative();
const Rate = z.number().min(0).max(1);

/** The bin index of a confidence in [0, 1] (1 falls in the last bin). */
export function confidenceBin(p: number): number {
  const bins = CONFIDENCE_BIN_EDGES.length - 1;
  return Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
}

/** What a set of predictions looks like: the figures a baseline and a window are both reduced to. */
export const PredictionSummarySchema = z.object({
  /** Answers with a prediction. */
  answers: Count,
  /** Captured requests answered with an error or garbage (not part of the distributions). */
  errors: Count,
  /** Top-1 answers per class, most frequent first. */
  classes: z.array(z.object({ label: z.string(), count: Count })),
  /** Top-1 confidences per `CONFIDENCE_BIN_EDGES` bin; null when the baseline does not carry them. */
  confidenceCounts: z.array(Count).nullable(),
  /** Share of answers with a dog verdict that said not a dog; null when no answer carried a verdict. */
  notADogRate: Rate.nullable(),
  /** Answers that carried a dog verdict (the not-a-dog rate's base). */
  dogVerdicts: Count,
  /** The earliest and latest inference time (captures only). */
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type PredictionSummary = z.infer<typeof PredictionSummarySchema>;

function sortedClasses(counts: Map<string, number>): { label: string; count: number }[] {
  return [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

/** The summary of captured observations (a window, or a reference window used as the baseline). */
export function summarize(observations: readonly CaptureObservation[]): PredictionSummary {
  const classes = new Map<string, number>();
  const confidence = new Array<number>(CONFIDENCE_BIN_EDGES.length - 1).fill(0);
  let answers = 0;
  let errors = 0;
  let dogVerdicts = 0;
  let notADog = 0;
  let from: string | null = null;
  let to: string | null = null;
  for (const o of observations) {
    if (from === null || o.time < from) from = o.time;
    if (to === null || o.time > to) to = o.time;
    if (!o.ok) {
      errors += 1;
      continue;
    }
    answers += 1;
    classes.set(o.top1.label, (classes.get(o.top1.label) ?? 0) + 1);
    const bin = confidenceBin(o.top1.probability);
    confidence[bin] = (confidence[bin] as number) + 1;
    if (o.dog) {
      dogVerdicts += 1;
      if (!o.dog.isDog) notADog += 1;
    }
  }
  return {
    answers,
    errors,
    classes: sortedClasses(classes),
    confidenceCounts: confidence,
    notADogRate: dogVerdicts > 0 ? notADog / dogVerdicts : null,
    dogVerdicts,
    from,
    to,
  };
}

/**
 * What evaluation.json must carry for a baseline: the class names and the confusion matrix ([true][predicted]: its
 * column sums are the predicted class mix on the test split), and, from training runs that write it,
 * `predictionBaseline` (the top-1 confidence histogram and, for models with a dog output, the not-a-dog rate).
 */
export const EvaluationBaselineInputSchema = z.object({
  split: z.string().optional(),
  modelVersion: z.string().optional(),
  classNames: z.array(z.string()).min(1),
  confusionMatrix: z.array(z.array(Count)),
  predictionBaseline: z
    .object({
      confidenceEdges: z.array(z.number()),
      confidenceCounts: z.array(Count),
      notADogRate: Rate.nullable().optional(),
    })
    .optional(),
});
export type EvaluationBaselineInput = z.infer<typeof EvaluationBaselineInputSchema>;

/** Why an evaluation cannot be a baseline (the caller raises its own typed error with it). */
export class BaselineShapeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The baseline of evaluation.json: its predicted class mix and, when written, confidence and not-a-dog rate. */
export function summaryOfEvaluation(evaluation: EvaluationBaselineInput): PredictionSummary {
  const n = evaluation.classNames.length;
  const m = evaluation.confusionMatrix;
  if (m.length !== n || m.some((row) => row.length !== n))
    throw new BaselineShapeError(`confusionMatrix must be ${n} × ${n} (one row and column per class name)`);
  const counts = new Map<string, number>();
  evaluation.classNames.forEach((label, j) =>
    counts.set(
      label,
      m.reduce((s, row) => s + (row[j] as number), 0),
    ),
  );
  const answers = [...counts.values()].reduce((s, c) => s + c, 0);
  const pb = evaluation.predictionBaseline;
  if (
    pb &&
    (pb.confidenceEdges.length !== CONFIDENCE_BIN_EDGES.length ||
      pb.confidenceEdges.some((e, i) => Math.abs(e - (CONFIDENCE_BIN_EDGES[i] as number)) > 1e-9))
  )
    throw new BaselineShapeError(
      `predictionBaseline.confidenceEdges [${pb.confidenceEdges.join(', ')}] are not the drift run's ` +
        `[${CONFIDENCE_BIN_EDGES.join(', ')}]`,
    );
  if (pb && pb.confidenceCounts.length !== CONFIDENCE_BIN_EDGES.length - 1)
    throw new BaselineShapeError(
      `predictionBaseline.confidenceCounts must have ${CONFIDENCE_BIN_EDGES.length - 1} bins`,
    );
  return {
    answers,
    errors: 0,
    classes: sortedClasses(counts).filter((c) => c.count > 0),
    confidenceCounts: pb ? pb.confidenceCounts : null,
    notADogRate: pb?.notADogRate ?? null,
    dogVerdicts: 0,
    from: null,
    to: null,
  };
}

export const DriftBinSchema = z.object({
  label: z.string(),
  baselineShare: Rate,
  windowShare: Rate,
  /** This bin's part of the PSI. */
  psiTerm: z.number(),
});
export type DriftBin = z.infer<typeof DriftBinSchema>;

export const DriftFiguresSchema = z.object({
  /** The window's answers with a prediction: the base of every figure. */
  answers: Count,
  errors: Count,
  /** PSI of the top-1 class mix; null when nothing to compare (no answers, or no class got a bin of its own). */
  classMixPsi: z.number().nullable(),
  classMix: z.array(DriftBinSchema),
  /** PSI of the top-1 confidence histogram; null when the baseline has no histogram or the window no answers. */
  confidencePsi: z.number().nullable(),
  confidence: z.array(DriftBinSchema),
  notADogRate: z.object({
    baseline: Rate.nullable(),
    window: Rate.nullable(),
    increase: z.number().nullable(),
  }),
});
export type DriftFigures = z.infer<typeof DriftFiguresSchema>;

function bins(labels: string[], expected: number[], actual: number[]): { psi: number; rows: DriftBin[] } {
  const terms = psiTerms(expected, actual);
  const te = expected.reduce((s, c) => s + c, 0);
  const ta = actual.reduce((s, c) => s + c, 0);
  return {
    psi: psi(expected, actual),
    rows: labels.map((label, i) => ({
      label,
      baselineShare: te > 0 ? (expected[i] as number) / te : 0,
      windowShare: ta > 0 ? (actual[i] as number) / ta : 0,
      psiTerm: terms[i] as number,
    })),
  };
}

/**
 * The window against the baseline. Class names are compared as breeds (`breedKey`), so a window of `beagle`
 * answers matches a baseline of `003.beagle`. The baseline's classes that the window should see at least
 * `MIN_EXPECTED_PER_CLASS_BIN` times keep their own bin, in the baseline's order; everything else is `OTHER_CLASS`.
 */
export function driftFigures(baseline: PredictionSummary, window: PredictionSummary): DriftFigures {
  const baseTotal = baseline.classes.reduce((s, c) => s + c.count, 0);
  const kept = baseline.classes.filter(
    (c) => baseTotal > 0 && (c.count / baseTotal) * window.answers >= MIN_EXPECTED_PER_CLASS_BIN,
  );
  const index = new Map(kept.map((c, i) => [breedKey(c.label), i]));
  const baseCounts = new Array<number>(kept.length + 1).fill(0);
  const winCounts = new Array<number>(kept.length + 1).fill(0);
  const add = (counts: number[], label: string, n: number) => {
    const i = index.get(breedKey(label)) ?? kept.length;
    counts[i] = (counts[i] as number) + n;
  };
  for (const c of baseline.classes) add(baseCounts, c.label, c.count);
  for (const c of window.classes) add(winCounts, c.label, c.count);
  const mix = bins([...kept.map((c) => c.label), OTHER_CLASS], baseCounts, winCounts);
  const classMixPsi = kept.length === 0 || window.answers === 0 ? null : mix.psi;

  const edges = CONFIDENCE_BIN_EDGES;
  const confidenceLabels = edges
    .slice(0, -1)
    .map((e, i) => `${e.toFixed(1)}-${(edges[i + 1] as number).toFixed(1)}`);
  const conf =
    baseline.confidenceCounts && window.confidenceCounts && window.answers > 0
      ? bins(confidenceLabels, baseline.confidenceCounts, window.confidenceCounts)
      : null;
  const increase =
    baseline.notADogRate !== null && window.notADogRate !== null
      ? window.notADogRate - baseline.notADogRate
      : null;
  return {
    answers: window.answers,
    errors: window.errors,
    classMixPsi: classMixPsi !== null && Number.isFinite(classMixPsi) ? classMixPsi : null,
    classMix: mix.rows,
    confidencePsi: conf && Number.isFinite(conf.psi) ? conf.psi : null,
    confidence: conf?.rows ?? [],
    notADogRate: { baseline: baseline.notADogRate, window: window.notADogRate, increase },
  };
}

export const DriftVerdictSchema = z.enum(['pass', 'fail', 'not-enough-data']);
export type DriftVerdict = z.infer<typeof DriftVerdictSchema>;

export const DriftChecksSchema = z.object({
  verdict: DriftVerdictSchema,
  checks: z.array(QualityCheckSchema),
});
export type DriftChecks = z.infer<typeof DriftChecksSchema>;

/**
 * The figures against `rollout.drift`. Below `minRequests` every check is n/a and the verdict is `not-enough-data`:
 * a quiet night must not page anyone. A figure that cannot be measured (no confidence histogram in an older
 * evaluation.json, no dog output) is n/a, never a failure.
 */
export function driftChecks(figures: DriftFigures, spec: DriftSpec): DriftChecks {
  const enough = figures.answers >= spec.minRequests;
  const gate = (c: QualityCheck): QualityCheck => (enough ? c : { ...c, result: 'n/a' });
  const checks: QualityCheck[] = [
    gate(
      check(
        'minRequests',
        'answers in the window (fewer: not enough data, no alarm)',
        figures.answers,
        '>=',
        spec.minRequests,
      ),
    ),
    gate(
      check(
        'maxClassMixPsi',
        'PSI of the top-1 class mix against the baseline',
        figures.classMixPsi,
        '<=',
        spec.maxClassMixPsi,
        true,
      ),
    ),
    gate(
      check(
        'maxConfidencePsi',
        'PSI of the top-1 confidence histogram against the baseline',
        figures.confidencePsi,
        '<=',
        spec.maxConfidencePsi,
        true,
      ),
    ),
    gate(
      check(
        'maxNotADogRateIncrease',
        'rise of the not-a-dog share over the baseline (n/a without a dog output)',
        figures.notADogRate.increase,
        '<=',
        spec.maxNotADogRateIncrease,
        true,
      ),
    ),
  ];
  const verdict: DriftVerdict = !enough
    ? 'not-enough-data'
    : checks.some((c) => c.result === 'fail')
      ? 'fail'
      : 'pass';
  return { verdict, checks };
}
