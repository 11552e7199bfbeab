/**
 * Capacity probe math (AWS's method, what SageMaker Inference Recommender automates): step the arrival rate
 * against one instance, take the highest rate that held the latency SLO with ~no errors, and derive the
 * InvocationsPerInstance target = peak RPS × safety factor × 60.
 */
import {
  CapacityFileSchema,
  DEFAULT_SAFETY_FACTOR,
  usdPerThousandAtRate,
  type CapacityFile,
  type InstancePrice,
} from '@dogbreed/autoscaling';

export interface ProbeStepResult {
  /** Offered requests per second. */
  rps: number;
  p95Ms: number | undefined;
  errorRate: number;
  droppedIterations: number;
  requests: number;
}

export interface CapacityResult {
  sloP95Ms: number;
  maxErrorRate: number;
  safetyFactor: number;
  steps: (ProbeStepResult & { sustainable: boolean })[];
  /** Highest sustainable rate, req/s; 0 when even the first step failed. */
  peakRps: number;
  /** Target value for SageMakerVariantInvocationsPerInstance (per instance per minute). */
  impliedTargetValue: number;
  specTargetValue: number;
  /** Every step held the SLO: the real peak lies above the last rate tried (peakRps is a lower bound). */
  lowerBound: boolean;
}

export function sustainable(
  step: ProbeStepResult,
  sloP95Ms: number,
  maxErrorRate: number,
  expectedRequests?: number,
): boolean {
  if (step.p95Ms === undefined || step.requests === 0) return false;
  // Dropped iterations mean k6 could not even offer the rate: the instance fell behind.
  const dropOk = step.droppedIterations <= Math.max(1, 0.01 * (expectedRequests ?? step.requests));
  return step.p95Ms < sloP95Ms && step.errorRate <= maxErrorRate && dropOk;
}

export function capacityFromSteps(
  steps: ProbeStepResult[],
  opts: {
    sloP95Ms: number;
    maxErrorRate?: number;
    safetyFactor?: number;
    specTargetValue: number;
    stepSeconds?: number;
  },
): CapacityResult {
  const maxErrorRate = opts.maxErrorRate ?? 0.001;
  const safetyFactor = opts.safetyFactor ?? DEFAULT_SAFETY_FACTOR;
  const judged = [...steps]
    .sort((a, b) => a.rps - b.rps)
    .map((s) => ({
      ...s,
      sustainable: sustainable(
        s,
        opts.sloP95Ms,
        maxErrorRate,
        opts.stepSeconds ? s.rps * opts.stepSeconds : undefined,
      ),
    }));
  // The peak is the last rate of the unbroken run of sustainable steps from the bottom (a lucky step after a failure does not count).
  let peakRps = 0;
  for (const s of judged) {
    if (!s.sustainable) break;
    peakRps = s.rps;
  }
  return {
    sloP95Ms: opts.sloP95Ms,
    maxErrorRate,
    safetyFactor,
    steps: judged,
    peakRps,
    impliedTargetValue: Math.round(peakRps * safetyFactor * 60 * 100) / 100,
    specTargetValue: opts.specTargetValue,
    lowerBound: judged.length > 0 && judged.every((s) => s.sustainable),
  };
}

/** The capacity file the what-if simulator reads (`dogbreed-capacity simulate --capacity-file`), validated. */
export function toCapacityFile(
  c: CapacityResult,
  o: { endpoint: string; instanceType: string; measuredAt: Date },
): CapacityFile {
  return CapacityFileSchema.parse({
    version: 1,
    measuredAt: o.measuredAt.toISOString(),
    endpoint: o.endpoint,
    instanceType: o.instanceType,
    sloP95Ms: c.sloP95Ms,
    maxErrorRate: c.maxErrorRate,
    safetyFactor: c.safetyFactor,
    steps: c.steps,
    peakRps: c.peakRps,
    impliedTargetValue: c.impliedTargetValue,
    specTargetValue: c.specTargetValue,
    lowerBound: c.lowerBound,
  });
}

/** What an inference costs on one instance at the measured peak, and at the target's utilisation (peak × safety). */
export function costAtCapacity(c: CapacityResult, price: InstancePrice): string {
  if (c.peakRps <= 0) return `no sustainable rate measured: no cost per inference for ${price.instanceType}`;
  const at = (rps: number) => `$${usdPerThousandAtRate(price.usdPerHour, rps).toFixed(4)}`;
  return (
    `${price.instanceType} at $${price.usdPerHour}/h (${price.region} list price as of ${price.asOf}): ` +
    `${at(c.peakRps)} per 1,000 inferences at the measured ${c.lowerBound ? '≥ ' : ''}${c.peakRps} req/s, ` +
    `${at(c.peakRps * c.safetyFactor)} at the target's ${c.safetyFactor * 100} % utilisation`
  );
}

/** Geometric steps from `start` to `max` (×`factor`), for the probe's arrival rates. */
export function probeRates(start: number, max: number, factor = 1.5): number[] {
  if (!(start > 0) || !(max >= start) || !(factor > 1))
    throw new Error('probe rates need 0 < start ≤ max and factor > 1');
  const rates: number[] = [];
  for (let r = start; r <= max + 1e-9; r *= factor) rates.push(Math.round(r * 10) / 10);
  return rates;
}
