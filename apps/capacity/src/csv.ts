/**
 * A per-minute invocation trace from CSV, the shape of a CloudWatch export of `Invocations` (Sum, 1-minute period):
 * `timestamp,value` lines, an optional header, ISO 8601 or epoch (s or ms) timestamps in any order. CloudWatch
 * leaves out minutes without data points, so missing minutes count as zero invocations.
 */
import { MINUTE_MS, type Trace } from './traces.js';
import { SimulatorError } from './errors.js';

/** Longest trace accepted: 31 days of minutes (a month of CloudWatch data). */
export const MAX_TRACE_MINUTES = 31 * 1440;

function parseTime(raw: string, where: string): number {
  const s = raw.trim().replace(/^"|"$/g, '');
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n < 1e11 ? n * 1000 : n; // seconds or milliseconds since the epoch
  }
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw new SimulatorError(`${where}: timestamp "${raw}" is neither ISO 8601 nor epoch seconds/ms`);
  return t;
}

export function parseTraceCsv(text: string, name: string): Trace {
  const rows: { t: number; v: number }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const where = `${name} line ${i + 1}`;
    if (!line.trim()) return;
    const [ts = '', value = '', ...rest] = line.split(',');
    if (rest.length)
      throw new SimulatorError(`${where}: expected 2 columns (timestamp,value), got ${rest.length + 2}`);
    const v = Number(value.trim().replace(/^"|"$/g, ''));
    if (rows.length === 0 && i === 0 && Number.isNaN(v)) return; // header
    if (!Number.isFinite(v) || v < 0)
      throw new SimulatorError(`${where}: value "${value}" must be a non-negative number`);
    rows.push({ t: parseTime(ts, where), v });
  });
  if (rows.length === 0) throw new SimulatorError(`${name}: no data rows`);
  rows.sort((a, b) => a.t - b.t);
  const start = Math.floor((rows[0] as { t: number }).t / MINUTE_MS) * MINUTE_MS;
  const last = (rows.at(-1) as { t: number }).t;
  const minutes = Math.floor((last - start) / MINUTE_MS) + 1;
  if (minutes > MAX_TRACE_MINUTES) {
    throw new SimulatorError(`${name}: spans ${minutes} minutes, more than ${MAX_TRACE_MINUTES} (31 days)`);
  }
  const perMinute = new Array<number>(minutes).fill(0);
  for (const r of rows) {
    const m = Math.floor((r.t - start) / MINUTE_MS);
    perMinute[m] = (perMinute[m] ?? 0) + r.v;
  }
  return { name, startMs: start, perMinute };
}
