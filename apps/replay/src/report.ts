/**
 * The replay report: what was compared, the figures, each threshold with its value, limit and result, and the
 * verdict. One zod schema, so the JSON the pipeline reads is checked when written and can be checked when read.
 */
import { LatencySummarySchema, QualityCheckSchema } from '@dogbreed/model-quality';
import { ReplayThresholdsSchema } from '@dogbreed/platform-spec';
import { z } from 'zod';

export const REPLAY_REPORT_SCHEMA_VERSION = 1;
export const REPORT_JSON = 'replay-report.json';
export const REPORT_MARKDOWN = 'replay-report.md';

const Rate = z.number().min(0).max(1);

export const SideSchema = z.object({
  /** The model dir or URL as given. */
  target: z.string(),
  kind: z.enum(['model-dir', 'url']),
  /** From metadata.json (model dir) or the responses (URL). */
  modelVersion: z.string().optional(),
  /** Class names in output order; known for model dirs only (a URL does not publish them). */
  classNames: z.array(z.string()).optional(),
});
export type ReplaySide = z.infer<typeof SideSchema>;

export const LatencySchema = LatencySummarySchema;
export type LatencySummary = z.infer<typeof LatencySchema>;

const AccuracySideSchema = z.object({ correct: z.number().int().nonnegative(), rate: Rate });

export const FiguresSchema = z.object({
  /** Requests sent (to both sides). */
  requests: z.number().int().nonnegative(),
  /** Requests both sides answered: the base of every comparison below. */
  compared: z.number().int().nonnegative(),
  errors: z.object({
    baseline: z.number().int().nonnegative(),
    candidate: z.number().int().nonnegative(),
    /** The first few, for the reader. */
    examples: z.array(
      z.object({ id: z.string(), side: z.enum(['baseline', 'candidate']), error: z.string() }),
    ),
  }),
  /** Compared requests whose two top-1 breeds are the same after normalisation. */
  agreement: z.object({
    agree: z.number().int().nonnegative(),
    rate: Rate.nullable(),
    /**
     * The same on the requests where the serving model's answer is a breed the candidate has (both class lists
     * known): the agreement the candidate could have reached. The verdict uses `rate`.
     */
    comparable: z
      .object({
        requests: z.number().int().nonnegative(),
        agree: z.number().int().nonnegative(),
        rate: Rate.nullable(),
      })
      .optional(),
  }),
  /** Serving breed → candidate breed, most frequent first. */
  flips: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      count: z.number().int().positive(),
      /** False when the candidate has no class for `from`: a flip it could not have avoided. */
      candidateHasFrom: z.boolean().optional(),
    }),
  ),
  /** On labelled (image) requests both sides answered; null when there were none. */
  accuracy: z
    .object({
      labelled: z.number().int().positive(),
      baseline: AccuracySideSchema,
      candidate: AccuracySideSchema,
      /** baseline rate − candidate rate: positive means the candidate is worse. */
      drop: z.number(),
      /** Labels (as written) each model has no class for: it can never be right on those images. */
      labelsUnknownTo: z.object({
        baseline: z.array(z.string()).optional(),
        candidate: z.array(z.string()).optional(),
      }),
      /** The same on the images whose label both models know, when both class lists are known. */
      commonLabels: z
        .object({
          labelled: z.number().int().nonnegative(),
          baseline: AccuracySideSchema.nullable(),
          candidate: AccuracySideSchema.nullable(),
        })
        .optional(),
    })
    .nullable(),
  confidence: z
    .object({ meanAbsShift: z.number().min(0), baselineMean: Rate, candidateMean: Rate })
    .nullable(),
  latency: z
    .object({ baseline: LatencySchema, candidate: LatencySchema, p95Ratio: z.number().nonnegative() })
    .nullable(),
  /** Class lists compared by breed key, when both are known. */
  classes: z
    .object({
      common: z.number().int().nonnegative(),
      onlyBaseline: z.array(z.string()),
      onlyCandidate: z.array(z.string()),
    })
    .optional(),
});
export type ReplayFigures = z.infer<typeof FiguresSchema>;

/** One threshold's check (`name`: the threshold in `rollout.replay`, or `candidateErrors`). */
export const CheckSchema = QualityCheckSchema;
export type ReplayCheck = z.infer<typeof CheckSchema>;

export const ReplayReportSchema = z.object({
  schemaVersion: z.literal(REPLAY_REPORT_SCHEMA_VERSION),
  createdAt: z.iso.datetime({ offset: true }),
  baseline: SideSchema,
  candidate: SideSchema,
  inputs: z.object({
    images: z.string().optional(),
    captures: z.string().optional(),
    limit: z.number().int().positive().optional(),
    imageRequests: z.number().int().nonnegative(),
    captureRequests: z.number().int().nonnegative(),
    /** Capture records without an endpoint input (nothing to replay). */
    capturesWithoutInput: z.number().int().nonnegative(),
  }),
  thresholds: ReplayThresholdsSchema,
  figures: FiguresSchema,
  checks: z.array(CheckSchema),
  verdict: z.enum(['pass', 'fail']),
});
export type ReplayReport = z.infer<typeof ReplayReportSchema>;
