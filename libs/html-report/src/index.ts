/**
 * What every HTML report of the workspace draws with (the load test's, the capacity simulation's, the drift run's):
 * escaping for text placed in HTML or SVG, and round chart axes. The reports stay plain strings, one file each.
 */

/** Text safe inside HTML and SVG elements and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round axis maximum at or above `raw` and its tick step (1, 2 or 5 × 10ⁿ, about five ticks). */
export function niceAxis(raw: number): { max: number; step: number } {
  const target = Math.max(raw, 1) / 5;
  const pow = 10 ** Math.floor(Math.log10(target));
  const step = ([1, 2, 5, 10].map((k) => k * pow).find((s) => s >= target) ?? 10 * pow) as number;
  return { max: step * Math.ceil(Math.max(raw, 1) / step - 1e-9), step };
}

/** A tick label: integers as they are, anything else to one decimal. */
export function formatTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
