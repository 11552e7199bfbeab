import type { Report } from './model';
import { chartSvg } from './svg';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const mark = (ok: boolean) => (ok ? '✅' : '❌');

/** The Markdown summary (the CI job summary). */
export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  out.push(`## Load test (${r.mode}) — ${r.passed ? 'PASSED ✅' : 'FAILED ❌'}`);
  out.push('');
  out.push(
    `Target \`${r.target}\`; endpoint \`${r.spec.endpoint}\` (${r.spec.minInstances}–${r.spec.maxInstances} instances, ` +
      `${r.spec.metric} target ${r.spec.targetValue}, cooldowns ${r.spec.scaleOutCooldownSeconds} s out / ${r.spec.scaleInCooldownSeconds} s in); ` +
      `function \`${r.spec.functionName}\` (reserved concurrency ${r.spec.reservedConcurrency})` +
      (r.timeScale !== 1 ? `; time scale ${r.timeScale}` : '') +
      '.',
  );
  if (r.checks.length) {
    out.push('', '### Verification', '', '| | check | expected | actual |', '|---|---|---|---|');
    for (const c of r.checks) out.push(`| ${mark(c.pass)} | ${c.title} | ${c.expected} | ${c.actual} |`);
    const failed = r.checks.filter((c) => !c.pass);
    if (failed.length) {
      out.push('', '**Failures**', '');
      for (const c of failed) out.push(`- ${c.message}`);
    }
  }
  if (r.scenarios.length) {
    out.push(
      '',
      '### Scenarios',
      '',
      '| | scenario | requests | p95 ms | 200 | 429 | other | failed rate |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const s of r.scenarios) {
      const ok = s.passed && s.notes.every((n) => n.ok);
      out.push(
        `| ${mark(ok)} | ${s.name} | ${s.requests} | ${s.p95Ms?.toFixed(1) ?? 'n/a'} | ${s.ok} | ${s.throttled} | ${s.unexpected} | ${(s.failedRate * 100).toFixed(2)}% |`,
      );
    }
    for (const s of r.scenarios) {
      for (const t of s.thresholds.filter((t) => !t.ok))
        out.push(`- ❌ ${s.name}: threshold \`${t.metric}: ${t.expression}\` failed`);
      for (const n of s.notes) out.push(`- ${mark(n.ok)} ${s.name}: ${n.text}`);
    }
  }
  if (r.capacity) {
    const c = r.capacity;
    out.push('', '### Capacity (one instance)', '');
    out.push(
      `Peak sustainable rate **${c.lowerBound ? '≥ ' : ''}${c.peakRps} req/s** at p95 < ${c.sloP95Ms} ms → implied InvocationsPerInstance target ` +
        `**${c.impliedTargetValue}** (= ${c.peakRps} × ${c.safetyFactor} × 60); the spec has ${c.specTargetValue}.` +
        (c.lowerBound ? ' Every step held the SLO: raise --max-rps to find the real peak.' : ''),
    );
    out.push('', '| req/s | p95 ms | error rate | dropped | sustainable |', '|---|---|---|---|---|');
    for (const s of c.steps)
      out.push(
        `| ${s.rps} | ${s.p95Ms?.toFixed(1) ?? 'n/a'} | ${(s.errorRate * 100).toFixed(2)}% | ${s.droppedIterations} | ${mark(s.sustainable)} |`,
      );
  }
  return out.join('\n') + '\n';
}

/** The HTML page: the same content plus the instance-count and concurrency charts as inline SVG. */
export function renderHtml(r: Report, markdownHtml = true): string {
  const charts: string[] = [];
  const o = r.observation;
  if (o) {
    const t0 = o.window.start;
    const rel = (pts: { t: number; value: number }[]) => pts.map((p) => ({ t: p.t - t0, value: p.value }));
    charts.push(
      chartSvg(
        [
          {
            label: `InService instances (${o.endpoint.name})`,
            color: '#1f6feb',
            points: rel(o.endpoint.instanceSeries.map((p) => ({ t: p.t, value: p.instances }))),
          },
        ],
        {
          title: 'Endpoint instances',
          yLabel: 'instances',
          limit: { value: r.spec.maxInstances, label: `maxInstances ${r.spec.maxInstances}` },
          markers: o.endpoint.activities.map((a) => ({
            t: a.t - t0,
            label: `scale-${a.direction} to ${a.toDesired}: ${a.cause}`,
          })),
        },
      ),
    );
    charts.push(
      chartSvg(
        [
          { label: 'concurrent executions (max)', color: '#8250df', points: rel(o.lambda.concurrencySeries) },
          { label: 'throttles', color: '#d1242f', points: rel(o.lambda.throttleSeries), bars: true },
        ],
        {
          title: `Lambda ${o.lambda.functionName}`,
          yLabel: 'executions / throttles per period',
          limit: {
            value: r.spec.reservedConcurrency,
            label: `reserved concurrency ${r.spec.reservedConcurrency}`,
          },
        },
      ),
    );
    if (o.endpoint.invocationsPerInstance.length) {
      charts.push(
        chartSvg(
          [
            {
              label: 'InvocationsPerInstance',
              color: '#1a7f37',
              points: rel(o.endpoint.invocationsPerInstance),
            },
          ],
          {
            title: 'InvocationsPerInstance (per period)',
            yLabel: 'invocations per instance',
            limit: { value: r.spec.targetValue, label: `target ${r.spec.targetValue}` },
          },
        ),
      );
    }
  }
  const md = markdownHtml ? `<pre class="summary">${esc(renderMarkdown(r))}</pre>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test report (${r.mode})</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}pre{white-space:pre-wrap;background:#f6f8fa;padding:1em}
.status{font-size:1.4em;font-weight:bold}.pass{color:#1a7f37}.fail{color:#d1242f}figure{margin:1.5em 0}</style></head>
<body><h1>Load test report</h1>
<p class="status ${r.passed ? 'pass' : 'fail'}">${r.passed ? 'PASSED' : 'FAILED'}</p>
<p>Generated ${esc(r.generatedAt)} — mode ${r.mode} — target ${esc(r.target)}</p>
${charts.map((c) => `<figure>${c}</figure>`).join('\n')}
${md}
</body></html>
`;
}
