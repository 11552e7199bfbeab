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

/**
 * The live shadow phase of a rollout, before any traffic shift: the candidate runs beside the serving model on a
 * sampled copy of live requests (SageMaker `ShadowProductionVariants`; the local stack's shadow fleet), data capture
 * records both, and the verdict compares the pairs by inference id. The candidate is promoted only on a passing
 * verdict; otherwise the shadow is removed and the serving model stays.
 */
export const ShadowSpecSchema = z
  .object({
    enabled: z.boolean(),
    /** Share of live requests copied to the shadow variant (1 to 100). */
    samplingPercent: z.number().int().min(1).max(100),
    /** How long the shadow phase collects pairs before the verdict. */
    durationSeconds: PositiveInt,
    /** Fewer pairs than this by the end of the phase and the verdict fails: too little evidence to promote on. */
    minPairs: PositiveInt,
    /** How much larger the candidate's share of not-a-dog answers may be than the serving model's (0 to 1). */
    maxNotADogRateIncrease: z.number().min(0).max(1),
  })
  // The replay's meaning of each, on live pairs instead of replayed ones.
  .extend(
    ReplayThresholdsSchema.pick({
      minTop1Agreement: true,
      maxMeanConfidenceShift: true,
      maxP95LatencyRatio: true,
    }).shape,
  );
export type ShadowSpec = z.infer<typeof ShadowSpecSchema>;

/**
 * Drift of the served predictions over time (`dogbreed-drift`, scheduled): a window of data capture compared with
 * the model's evaluation baseline. Population stability index (PSI) per distribution: under 0.1 no change, 0.1 to
 * 0.25 a moderate shift, over 0.25 a significant one (the credit-scoring convention the field uses).
 */
export const DriftSpecSchema = z.object({
  /** The window of captures a drift run reads, ending now. */
  windowHours: PositiveInt,
  /** Fewer captured requests than this in the window and the run reports "not enough data" without alarming. */
  minRequests: PositiveInt,
  /** PSI of the served top-1 class mix against the baseline's. */
  maxClassMixPsi: z.number().positive(),
  /** PSI of the top-1 confidence histogram against the baseline's. */
  maxConfidencePsi: z.number().positive(),
  /** How much larger the share of not-a-dog answers may be than the baseline's (0 to 1). */
  maxNotADogRateIncrease: z.number().min(0).max(1),
});
export type DriftSpec = z.infer<typeof DriftSpecSchema>;

export const RolloutSpecSchema = z.object({
  /** The registry gate's shadow replay (`dogbreed-replay`). */
  replay: ReplayThresholdsSchema,
  shadow: ShadowSpecSchema,
  drift: DriftSpecSchema,
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
