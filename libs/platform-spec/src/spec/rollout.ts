/**
 * Model rollout (`rollout`): the registry gate's shadow replay thresholds and endpoint data capture.
 * `SamplingPercent` is also checked by the constructs on props built by hand (`checkProp`).
 */
import { z } from 'zod';
import { PositiveInt } from './common.js';

const SAMPLING_RULE = 'must be an integer 0-100 (SageMaker InitialSamplingPercentage)';
/** SageMaker InitialSamplingPercentage: the share of requests data capture records. */
export const SamplingPercent = z.number().int(SAMPLING_RULE).min(0, SAMPLING_RULE).max(100, SAMPLING_RULE);

/** The shadow replay's verdict: a candidate passes when every figure is within these bounds. */
export const ReplayThresholdsSchema = z.object({
  /** Fewer comparable requests than this and the replay fails: too little evidence to promote on. */
  minRequests: PositiveInt,
  /** Share of requests where the candidate's top-1 breed equals the serving model's (0 to 1). */
  minTop1Agreement: z.number().min(0).max(1),
  /** On labelled images: how far the candidate's top-1 accuracy may fall below the serving model's (0 to 1). */
  maxAccuracyDrop: z.number().min(0).max(1),
  /** Mean absolute change of the top-1 confidence between the two models (0 to 1). */
  maxMeanConfidenceShift: z.number().min(0).max(1),
  /** Candidate p95 latency ÷ serving p95 latency, measured side by side. */
  maxP95LatencyRatio: z.number().positive(),
});
export type ReplayThresholds = z.infer<typeof ReplayThresholdsSchema>;

export const RolloutSpecSchema = z.object({
  /** The registry gate's shadow replay (`dogbreed-replay`). */
  replay: ReplayThresholdsSchema,
  /**
   * Endpoint data capture, in SageMaker's JSONL format on both sides: to S3 (`data-capture/<endpoint>/`) on AWS, to
   * `localDir/<endpoint>/` on the local stack. The replay reads either.
   */
  dataCapture: z.object({
    enabled: z.boolean(),
    /** SageMaker InitialSamplingPercentage: the share of requests captured (0 to 100). */
    samplingPercent: SamplingPercent,
    /** Where the local stack writes its captures (relative to the repository root). */
    localDir: z.string().min(1),
  }),
});
export type RolloutSpec = z.infer<typeof RolloutSpecSchema>;
