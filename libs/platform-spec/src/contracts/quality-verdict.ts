/**
 * A quality verdict as data: each figure against its threshold (a check), and the live shadow's figures and verdict.
 * `@dogbreed/model-quality` computes them; the pipeline's shadow step writes them as a job artifact and the local
 * stack serves them on its admin API, so their shape is a contract between the parts.
 */
import { z } from 'zod';

export const QualityCheckSchema = z.object({
  /** The threshold's name in the spec (e.g. `minTop1Agreement`), or a rule's own name. */
  name: z.string(),
  description: z.string(),
  value: z.number().nullable(),
  comparator: z.enum(['>=', '<=']),
  limit: z.number(),
  /** `n/a`: nothing to measure (e.g. no dog output); does not fail the verdict. */
  result: z.enum(['pass', 'fail', 'n/a']),
});
export type QualityCheck = z.infer<typeof QualityCheckSchema>;

export const LatencySummarySchema = z.object({ p50Ms: z.number(), p95Ms: z.number(), meanMs: z.number() });
export type LatencySummary = z.infer<typeof LatencySummarySchema>;

const Rate = z.number().min(0).max(1);

export const ShadowFiguresSchema = z.object({
  /** Requests both variants answered with a prediction: the base of every comparison. */
  compared: z.number().int().nonnegative(),
  /** Paired requests the candidate answered with an error or garbage. */
  candidateErrors: z.number().int().nonnegative(),
  /** Paired requests the serving model failed (reported, not the candidate's fault). */
  servingErrors: z.number().int().nonnegative(),
  agreement: Rate.nullable(),
  meanConfidenceShift: Rate.nullable(),
  /** Share of compared answers that are not dogs, per side; null when the models have no dog output. */
  notADog: z.object({ serving: Rate, candidate: Rate, increase: z.number() }).nullable(),
  latency: z
    .object({ serving: LatencySummarySchema, candidate: LatencySummarySchema, p95Ratio: z.number() })
    .nullable(),
});
export type ShadowFigures = z.infer<typeof ShadowFiguresSchema>;

export const ShadowVerdictSchema = z.object({
  verdict: z.enum(['pass', 'fail']),
  figures: ShadowFiguresSchema,
  checks: z.array(QualityCheckSchema),
  unpaired: z.object({ serving: z.number().int().nonnegative(), candidate: z.number().int().nonnegative() }),
});
export type ShadowVerdict = z.infer<typeof ShadowVerdictSchema>;
