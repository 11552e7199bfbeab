/**
 * Cron expressions for scheduled scaling, in UTC: five fields `minute hour day-of-month month day-of-week`
 * (e.g. `0 20 * * MON-FRI`). One parser for the spec's validation, the pure autoscaler (which window is in force
 * at an instant) and the CDK construct (Application Auto Scaling's six-field `cron(...)` with `?`).
 * Fields take `*`, `N`, `N-M`, `*∕S`, `N-M∕S` and comma lists; months JAN-DEC, days SUN-SAT (0 or 7 = SUN).
 * Day-of-month and day-of-week cannot both be restricted: Application Auto Scaling needs one of them to be `?`.
 */
import { PlatformSpecError } from '../errors.js';

/** A cron expression breaks the format above; the message names the field. */
export class CronError extends PlatformSpecError {}

export interface Cron {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday. */
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldDef {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value of names[0]. */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldDef[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  // 7 is accepted as Sunday and folded to 0 below.
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function atom(text: string, f: FieldDef): number {
  const upper = text.toUpperCase();
  const byName = f.names?.indexOf(upper) ?? -1;
  if (byName >= 0) return byName + (f.nameBase ?? 0);
  if (!/^\d+$/.test(text))
    throw new CronError(`${f.name} "${text}" is not a number${f.names ? ' or name' : ''}`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new CronError(`${f.name} ${n} is outside ${f.min}-${f.max}`);
  return n;
}

function parseField(text: string, f: FieldDef): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new CronError(`${f.name} step "${stepText}" must be a positive integer`);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = f.min;
      hi = f.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      lo = atom(a, f);
      hi = atom(b, f);
      if (hi < lo) throw new CronError(`${f.name} range "${range}" runs backwards`);
    } else {
      lo = atom(range, f);
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses a five-field UTC cron expression; throws CronError naming the bad field. */
export function parseCron(source: string): Cron {
  const parts = source.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(
      `"${source}" must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const [minutes, hours, daysOfMonth, months, dow] = parts.map((p, i) =>
    parseField(p, FIELDS[i] as FieldDef),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (dow.delete(7)) dow.add(0);
  const domRestricted = parts[2] !== '*';
  const dowRestricted = parts[4] !== '*';
  if (domRestricted && dowRestricted) {
    throw new CronError(
      `"${source}" restricts both day-of-month and day-of-week; Application Auto Scaling allows only one`,
    );
  }
  return { source, minutes, hours, daysOfMonth, months, daysOfWeek: dow, domRestricted, dowRestricted };
}

/** The error message when `source` is not a valid expression, undefined when it is. */
export function cronProblem(source: string): string | undefined {
  try {
    parseCron(source);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return err.message;
    throw err;
  }
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function dayMatches(c: Cron, dayStart: Date): boolean {
  return (
    c.months.has(dayStart.getUTCMonth() + 1) &&
    c.daysOfMonth.has(dayStart.getUTCDate()) &&
    c.daysOfWeek.has(dayStart.getUTCDay())
  );
}

/**
 * The latest instant ≤ `t` (epoch ms, whole UTC minute) at which the expression fires, looking back at most
 * `lookbackDays` days; undefined when it did not fire in that span.
 */
export function previousFire(c: Cron, t: number, lookbackDays = 400): number | undefined {
  const minuteT = Math.floor(t / MINUTE_MS) * MINUTE_MS;
  const today = Math.floor(minuteT / DAY_MS) * DAY_MS;
  for (let d = 0; d <= lookbackDays; d++) {
    const dayStart = today - d * DAY_MS;
    if (!dayMatches(c, new Date(dayStart))) continue;
    const limitMinute = d === 0 ? Math.floor((minuteT - dayStart) / MINUTE_MS) : 24 * 60 - 1;
    for (let h = Math.floor(limitMinute / 60); h >= 0; h--) {
      if (!c.hours.has(h)) continue;
      const maxMinute = h === Math.floor(limitMinute / 60) ? limitMinute % 60 : 59;
      for (let m = maxMinute; m >= 0; m--) {
        if (c.minutes.has(m)) return dayStart + (h * 60 + m) * MINUTE_MS;
      }
    }
  }
  return undefined;
}

const list = (values: ReadonlySet<number>, render: (v: number) => string = String) =>
  [...values]
    .sort((a, b) => a - b)
    .map(render)
    .join(',');

/**
 * The fields of Application Auto Scaling's `cron(minute hour day month weekDay year)`, expanded to explicit lists
 * (its day-of-week numbers start at 1 = SUN, so days are written as names to avoid the off-by-one).
 */
export function awsCronFields(c: Cron): {
  minute: string;
  hour: string;
  day?: string;
  month: string;
  weekDay?: string;
} {
  const all = (values: ReadonlySet<number>, size: number) => values.size === size;
  return {
    minute: all(c.minutes, 60) ? '*' : list(c.minutes),
    hour: all(c.hours, 24) ? '*' : list(c.hours),
    ...(c.domRestricted ? { day: list(c.daysOfMonth) } : {}),
    month: all(c.months, 12) ? '*' : list(c.months),
    ...(c.dowRestricted ? { weekDay: list(c.daysOfWeek, (d) => DAYS[d] as string) } : {}),
  };
}
