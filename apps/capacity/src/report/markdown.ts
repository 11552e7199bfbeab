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

function row(r: SimulationResult): string {
  return `| ${r.policy} | ${num(r.instanceHours, 2)} | ${usd(r.usd)} | ${per1k(r.usdPerThousand)} | ${r.overCapacityMinutes} | ${num(r.overCapacityRequests, 0)} | ${r.scaleOuts} / ${r.scaleIns} | ${r.peakInService} |`;
}

function diffRow(a: SimulationResult, b: SimulationResult): string {
  const d1k =
    a.usdPerThousand !== undefined && b.usdPerThousand !== undefined
      ? signed(b.usdPerThousand - a.usdPerThousand, (x) => `$${x.toFixed(4)}`)
      : 'n/a';
  return (
    `| **${b.policy} − ${a.policy}** | ${signed(b.instanceHours - a.instanceHours, (x) => x.toFixed(2))} | ${signed(b.usd - a.usd, usd)} | ${d1k} | ` +
    `${signed(b.overCapacityMinutes - a.overCapacityMinutes, String)} | ${signed(b.overCapacityRequests - a.overCapacityRequests, (x) => x.toFixed(0))} | ` +
    `${signed(b.scaleOuts - a.scaleOuts, String)} / ${signed(b.scaleIns - a.scaleIns, String)} | ${signed(b.peakInService - a.peakInService, String)} |`
  );
}

export function renderMarkdown(r: SimulationReport, title = 'Capacity what-if'): string {
  const i = r.inputs;
  const out = [
    `## ${title}`,
    '',
    `${i.instanceType} at $${i.usdPerHour}/h (${i.priceSource}); one instance serves ${num(i.capacityRps)} req/s (${i.capacitySource}); ` +
      `new instances serve ${i.startupSeconds} s after the decision; metrics reach the policy ${i.metricDelaySeconds} s after their period.`,
    '',
    ...i.policies.map((p) => `- **${p.name}**: ${p.summary}`),
  ];
  for (const t of i.traces) {
    const rows = r.results.filter((x) => x.trace === t.name);
    out.push(
      '',
      `### ${t.name} (${t.minutes} min from ${new Date(t.startMs).toISOString()})`,
      '',
      '| policy | instance-hours | $ period | $ / 1,000 inferences | minutes over capacity | requests over capacity | scale-outs / -ins | peak instances |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map(row),
    );
    const [a, b] = rows;
    if (rows.length === 2 && a && b) out.push(diffRow(a, b));
  }
  return out.join('\n') + '\n';
}
