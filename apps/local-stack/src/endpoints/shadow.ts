/**
 * An endpoint's shadow variant (SageMaker `ShadowProductionVariants`) on the local stack, minus the processes: which
 * production requests are copied to it (a deterministic share, as the data-capture sample is), and the live verdict
 * over the pairs both variants answered. The pairs are the capture records themselves, read back through
 * `@dogbreed/model-quality`'s `observationOf`, so the verdict here is the one the pipeline computes from AWS captures.
 */
import { observationOf, shadowVerdict, type CaptureObservation } from '@dogbreed/model-quality';
import type { DataCaptureRecord, ShadowSpec, ShadowStatus } from '@dogbreed/platform-spec';
import { sampled } from './data-capture.js';

/**
 * Observations kept per side: a shadow phase at the spec's rates stays far below this; past it the phase keeps its
 * first pairs (the verdict is over a sample anyway) and memory stays bounded.
 */
export const MAX_SHADOW_OBSERVATIONS = 50_000;

/**
 * The share of production requests a shadow variant receives, %: SageMaker derives it from the two variants'
 * `InitialVariantWeight` (shadow ÷ production), as its shadow-test examples set it (production 1, shadow 0.5 → 50 %).
 */
export function shadowSamplingPercent(productionWeight: number, shadowWeight: number): number {
  return Math.round((shadowWeight / productionWeight) * 10_000) / 100;
}

export interface ShadowSessionOptions {
  readonly variantName: string;
  readonly modelName: string;
  readonly configName: string;
  readonly samplingPercent: number;
}

/** One shadow variant's life on an endpoint: launched, copying, removed; the observations of both sides. */
export class ShadowSession {
  readonly serving: CaptureObservation[] = [];
  readonly candidate: CaptureObservation[] = [];
  state: ShadowStatus['state'] = 'Starting';
  startedAt: number | null = null;
  endedAt: number | null = null;
  /** Production requests seen while Running: the copy sample's counter. */
  private seen = 0;
  private copied = 0;
  private dropped = 0;

  constructor(readonly opts: ShadowSessionOptions) {}

  start(now: number): void {
    this.state = 'Running';
    this.startedAt = now;
  }

  end(now: number): void {
    if (this.state === 'Removed') return;
    this.state = 'Removed';
    this.endedAt = now;
  }

  /** Whether the next production request is copied (⌊n·p/100⌋ of the first n, evenly spread). */
  takesNext(): boolean {
    if (this.state !== 'Running') return false;
    const n = this.seen;
    this.seen += 1;
    return sampled(n, this.opts.samplingPercent);
  }

  /** A sampled request that could not be copied (no InService shadow instance, or its queue full). */
  drop(): void {
    this.dropped += 1;
  }

  /** One side's answer to a copied request, as its capture record. */
  observe(side: 'serving' | 'candidate', record: DataCaptureRecord): void {
    if (side === 'candidate') this.copied += 1;
    const list = side === 'serving' ? this.serving : this.candidate;
    if (list.length < MAX_SHADOW_OBSERVATIONS) list.push(observationOf(record));
  }

  /** A copied request the shadow never answered (its instance died): a candidate error, without a capture. */
  unanswered(inferenceId: string, time: string, error: string): void {
    this.copied += 1;
    if (this.candidate.length < MAX_SHADOW_OBSERVATIONS)
      this.candidate.push({ ok: false, id: inferenceId, inferenceId, time, error });
  }

  status(thresholds: ShadowSpec, instances: number): ShadowStatus {
    return {
      variantName: this.opts.variantName,
      modelName: this.opts.modelName,
      configName: this.opts.configName,
      samplingPercent: this.opts.samplingPercent,
      state: this.state,
      instances,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      copied: this.copied,
      dropped: this.dropped,
      verdict: shadowVerdict(this.serving, this.candidate, thresholds),
    };
  }
}
