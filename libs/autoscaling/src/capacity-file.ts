/**
 * The capacity file: what one instance sustains at the latency SLO, written by `loadtest:probe` and read by the
 * what-if simulator (`dogbreed-capacity simulate`). One zod schema for the writer and the reader.
 */
import { SageMakerInstanceType } from '@dogbreed/platform-spec';
import { z } from 'zod';
import { CapacityPlanningError } from './errors.js';

export const CAPACITY_FILE_NAME = 'capacity.json';

/** AWS's method: target = peak sustainable RPS × safety factor × 60, starting with a safety factor of 0.5. */
export const DEFAULT_SAFETY_FACTOR = 0.5;

/** The per-instance capacity (req/s) a target value implies under that method: target / (safety factor × 60). */
export function capacityImpliedByTarget(targetValue: number, safetyFactor = DEFAULT_SAFETY_FACTOR): number {
  return targetValue / (safetyFactor * 60);
}

export const ProbeStepSchema = z.object({
  /** Offered requests per second. */
  rps: z.number().positive(),
  /** Absent when the step produced no successful response. */
  p95Ms: z.number().nonnegative().optional(),
  errorRate: z.number().min(0).max(1),
  droppedIterations: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  sustainable: z.boolean(),
});
export type ProbeStep = z.infer<typeof ProbeStepSchema>;

export const CapacityFileSchema = z.object({
  version: z.literal(1),
  /** When the probe ran (ISO 8601). */
  measuredAt: z.iso.datetime(),
  /** Endpoint the probe drove, and the instance type it stands for (the spec's). */
  endpoint: z.string().min(1),
  instanceType: SageMakerInstanceType,
  sloP95Ms: z.number().positive(),
  maxErrorRate: z.number().min(0).max(1),
  safetyFactor: z.number().positive().max(1),
  steps: z.array(ProbeStepSchema),
  /** Highest sustainable rate of one instance, req/s; 0 when even the first step failed. */
  peakRps: z.number().nonnegative(),
  /** Target value for SageMakerVariantInvocationsPerInstance it implies (peak × safety factor × 60). */
  impliedTargetValue: z.number().nonnegative(),
  specTargetValue: z.number().positive(),
  /** Every step held the SLO: the real peak lies above the last rate tried. */
  lowerBound: z.boolean(),
});
export type CapacityFile = z.infer<typeof CapacityFileSchema>;

/** Parses and validates a capacity file's text; `where` names it in errors. */
export function parseCapacityFile(text: string, where: string): CapacityFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CapacityPlanningError(`${where} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const r = CapacityFileSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new CapacityPlanningError(
      `${where} is not a capacity file (write one with loadtest:probe): ${issues}`,
    );
  }
  if (r.data.peakRps <= 0)
    throw new CapacityPlanningError(`${where}: peakRps is 0, the probe found no sustainable rate`);
  return r.data;
}
