/**
 * A verdict as a list of checks, each a figure against its threshold with the result: the registry gate's replay,
 * the live shadow and the drift run all report this way, so their reports and job summaries read alike.
 */
import type { QualityCheck } from '@dogbreed/platform-spec';

// The check's shape is a contract (pipeline artifacts, the local stack's API): it lives in platform-spec.
export { QualityCheckSchema, type QualityCheck } from '@dogbreed/platform-spec';

/**
 * `value` against `limit`. A missing value (null or NaN) fails, unless `naWhenNull`: then there was nothing to
 * measure and the check is `n/a`.
 */
export function check(
  name: string,
  description: string,
  value: number | null,
  comparator: '>=' | '<=',
  limit: number,
  naWhenNull = false,
): QualityCheck {
  const missing = value === null || Number.isNaN(value);
  const result = missing
    ? naWhenNull
      ? 'n/a'
      : 'fail'
    : (comparator === '>=' ? value >= limit : value <= limit)
      ? 'pass'
      : 'fail';
  return { name, description, value: missing ? null : value, comparator, limit, result };
}

/** Fails when any check fails. */
export function verdictOf(checks: readonly QualityCheck[]): 'pass' | 'fail' {
  return checks.some((c) => c.result === 'fail') ? 'fail' : 'pass';
}
