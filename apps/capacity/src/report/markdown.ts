/** The report as Markdown: inputs, one table per trace, and the difference when exactly two policies are compared. */
import type { AutoscalingSpec } from '@dogbreed/platform-spec';
import type { SimulationResult } from '../simulate.js';
import type { SimulationReport } from './model.js';

const usd = (n: number) => `$${n.toFixed(2)}`;
const per1k = (n: number | undefined) => (n === undefined ? 'n/a' : `$${n.toFixed(4)}`);
const num = (n: number, d = 1) => (Number.isInteger(n) ? String(n) : n.toFixed(d));
const signed = (n: number, f: (x: number) => string) => (n > 0 ? `+${f(n)}` : n < 0 ? `−${f(-n)}` : '0');

/** One line per policy: what it is, in the spec's words. */
export function describePolicy(a: AutoscalingSpec): string {
  const p =
    a.policy.type === 'step'
      ? `step out ${a.policy.scaleOut.map((s) => `≥${s.lowerBound}:+${s.change}`).join(' ')} in ${a.policy.scaleIn.map((s) => `<${s.upperBound}:−${s.change}`).join(' ')}`
      : `target tracking ${a.targetValue}/instance/min`;
  const sched = a.schedule.map(
    (w) =>
      `${w.name} ${w.start} → ${w.end} min ${w.minInstances}${w.maxInstances ? ` max ${w.maxInstances}` : ''}`,
  );
  return `${a.minInstances}–${a.maxInstances} instances, ${p}, cooldowns ${a.scaleOutCooldownSeconds} s out / ${a.scaleInCooldownSeconds} s in${sched.length ? `, schedule: ${sched.join('; ')}` : ''}`;
}

/** A trace's table as data: one row per policy, and their difference when exactly two are compared. */
export interface TraceTable {
  readonly headers: readonly string[];
  readonly rows: readonly { readonly cells: readonly string[]; readonly difference?: boolean }[];
}

export const TABLE_HEADERS = [
  'policy',
  'instance-hours',
  '$ period',
  '$ / 1,000 inferences',
  'minutes over capacity',
  'requests over capacity',
  'scale-outs / -ins',
  'peak instances',
] as const;

function cells(r: SimulationResult): string[] {
  return [
    r.policy,
    num(r.instanceHours, 2),
    usd(r.usd),
    per1k(r.usdPerThousand),
    String(r.overCapacityMinutes),
    num(r.overCapacityRequests, 0),
    `${r.scaleOuts} / ${r.scaleIns}`,
    String(r.peakInService),
  ];
}

function diffCells(a: SimulationResult, b: SimulationResult): string[] {
  const d1k =
    a.usdPerThousand !== undefined && b.usdPerThousand !== undefined
      ? signed(b.usdPerThousand - a.usdPerThousand, (x) => `$${x.toFixed(4)}`)
      : 'n/a';
  return [
    `${b.policy} − ${a.policy}`,
    signed(b.instanceHours - a.instanceHours, (x) => x.toFixed(2)),
    signed(b.usd - a.usd, usd),
    d1k,
    signed(b.overCapacityMinutes - a.overCapacityMinutes, String),
    signed(b.overCapacityRequests - a.overCapacityRequests, (x) => x.toFixed(0)),
    `${signed(b.scaleOuts - a.scaleOuts, String)} / ${signed(b.scaleIns - a.scaleIns, String)}`,
    signed(b.peakInService - a.peakInService, String),
  ];
}

/** The rows of one trace, shared by the Markdown and the HTML report so their numbers are the same. */
export function traceTable(r: SimulationReport, trace: string): TraceTable {
  const results = r.results.filter((x) => x.trace === trace);
  const rows: TraceTable['rows'][number][] = results.map((x) => ({ cells: cells(x) }));
  const [a, b] = results;
  if (results.length === 2 && a && b) rows.push({ cells: diffCells(a, b), difference: true });
  return { headers: TABLE_HEADERS, rows };
}

/** The inputs that decide the outcome, in one paragraph. */
export function inputsSentence(r: SimulationReport): string {
  const i = r.inputs;
  return (
    `${i.instanceType} at $${i.usdPerHour}/h (${i.priceSource}); one instance serves ${num(i.capacityRps)} req/s (${i.capacitySource}); ` +
    `new instances serve ${i.startupSeconds} s after the decision; metrics reach the policy ${i.metricDelaySeconds} s after their period.`
  );
}

/** A trace's heading: its name, length and start. */
export const traceHeading = (t: SimulationReport['inputs']['traces'][number]): string =>
  `${t.name} (${t.minutes} min from ${new Date(t.startMs).toISOString()})`;

export function renderMarkdown(r: SimulationReport, title = 'Capacity what-if'): string {
  const i = r.inputs;
  const out = [
    `## ${title}`,
    '',
    inputsSentence(r),
    '',
    ...i.policies.map((p) => `- **${p.name}**: ${p.summary}`),
  ];
  for (const t of i.traces) {
    const table = traceTable(r, t.name);
    out.push(
      '',
      `### ${traceHeading(t)}`,
      '',
      `| ${table.headers.join(' | ')} |`,
      `|${table.headers.map(() => '---').join('|')}|`,
      ...table.rows.map((row) => {
        const [first, ...rest] = row.cells;
        return `| ${row.difference ? `**${first}**` : first} | ${rest.join(' | ')} |`;
      }),
    );
  }
  return out.join('\n') + '\n';
}
