/** Small statistics every quality figure uses: nearest-rank percentiles, means, a latency summary. */
import type { LatencySummary } from '@dogbreed/platform-spec';

/** Nearest-rank percentile (`p` in 0..100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The arithmetic mean; NaN when empty. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

export { LatencySummarySchema, type LatencySummary } from '@dogbreed/platform-spec';

export function latencySummary(values: readonly number[]): LatencySummary {
  return { p50Ms: percentile(values, 50), p95Ms: percentile(values, 95), meanMs: mean(values) };
}
