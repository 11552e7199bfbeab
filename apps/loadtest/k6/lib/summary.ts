/** handleSummary: the full k6 summary as JSON (read by the runner) and a short line per metric on stdout. */
interface MetricSummary {
  type: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
interface SummaryData {
  metrics: Record<string, MetricSummary>;
}

export function writeSummary(scenario: string, out: string, data: SummaryData): Record<string, string> {
  const lines = [`k6 ${scenario}:`];
  for (const [name, m] of Object.entries(data.metrics)) {
    if (!m.thresholds) continue;
    for (const [expr, r] of Object.entries(m.thresholds))
      lines.push(`  ${r.ok ? 'ok  ' : 'FAIL'} ${name} ${expr}`);
  }
  const reqs = data.metrics['http_reqs']?.values['count'] ?? 0;
  const p95 = data.metrics['http_req_duration']?.values['p(95)'];
  lines.push(`  requests ${reqs}, p95 ${p95 === undefined ? 'n/a' : p95.toFixed(1)} ms`);
  return { [out]: JSON.stringify({ scenario, ...data }, null, 1), stdout: lines.join('\n') + '\n' };
}
