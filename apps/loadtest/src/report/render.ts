/**
 * The load-test report in three forms: Markdown (the CI job summary, where GitHub renders the emoji marks), an HTML
 * page (real tables, PASS / FAIL in coloured text that needs no emoji font, inline SVG charts) and the terminal's
 * verdict table. All three draw the rows of `tables.ts`.
 */
import type { Report } from './model';
import { chartSvg } from './svg';
import {
  capacitySentence,
  capacityTable,
  checksTable,
  isVerdict,
  scenarioFindings,
  scenariosTable,
  specSentence,
  terminalTable,
  type Cell,
  type Table,
} from './tables';
import { escapeHtml as esc } from '@dogbreed/html-report';

const mark = (ok: boolean) => (ok ? '✅' : '❌');

function markdownTable(t: Table): string[] {
  const cell = (c: Cell) => (isVerdict(c) ? mark(c.ok) : c);
  return [
    `| ${t.headers.join(' | ')} |`.replace('|  |', '| |'),
    `|${t.headers.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** The Markdown summary (the CI job summary). */
export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  out.push(`## Load test (${r.mode}) — ${r.passed ? 'PASSED ✅' : 'FAILED ❌'}`);
  out.push('');
  out.push(specSentence(r));
  if (r.checks.length) {
    out.push('', '### Verification', '', ...markdownTable(checksTable(r)));
    const failed = r.checks.filter((c) => !c.pass);
    if (failed.length) {
      out.push('', '**Failures**', '');
      for (const c of failed) out.push(`- ${c.message}`);
    }
  }
  if (r.scenarios.length) {
    out.push('', '### Scenarios', '', ...markdownTable(scenariosTable(r)));
    for (const f of scenarioFindings(r)) out.push(`- ${mark(f.ok)} ${f.text}`);
  }
  const cap = capacityTable(r);
  if (cap)
    out.push('', '### Capacity (one instance)', '', capacitySentence(r) ?? '', '', ...markdownTable(cap));
  return out.join('\n') + '\n';
}

/** The verdict for a terminal: the overall result, the checks and the scenarios as aligned PASS / FAIL tables. */
export function renderTerminal(r: Report, opts: { readonly color?: boolean } = {}): string {
  const out = [`Load test (${r.mode}): ${r.passed ? 'PASSED' : 'FAILED'}`, specSentence(r).replace(/`/g, '')];
  if (r.checks.length) out.push('', terminalTable(checksTable(r), opts));
  if (r.scenarios.length) out.push('', terminalTable(scenariosTable(r), opts));
  const findings = scenarioFindings(r).filter((f) => !f.ok);
  for (const f of findings) out.push(`FAIL ${f.text.replace(/`/g, '')}`);
  const cap = capacityTable(r);
  if (cap) out.push('', (capacitySentence(r) ?? '').replace(/\*\*/g, ''), terminalTable(cap, opts));
  return out.join('\n') + '\n';
}

/** Inline Markdown code spans and emphasis of the report's own sentences, as HTML (nothing else is interpreted). */
const inline = (s: string) =>
  esc(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');

const verdictHtml = (ok: boolean) =>
  `<span class="verdict ${ok ? 'pass' : 'fail'}">${ok ? 'PASS' : 'FAIL'}</span>`;

function htmlTable(t: Table, caption: string): string {
  const head = t.headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = t.rows
    .map(
      (row) =>
        `<tr>${row.map((c) => (isVerdict(c) ? `<td class="v">${verdictHtml(c.ok)}</td>` : `<td>${inline(c)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The page's style: readable at 1,300 px and on a phone, no web fonts, no emoji. */
export const REPORT_CSS = `body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;max-width:1240px;margin:1.5em auto;padding:0 1.5em;color:#1f2328}
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.25em;margin:1.4em 0 .5em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
.status{display:inline-block;font-size:1.1em;font-weight:bold;padding:.15em .7em;border-radius:6px;color:#fff}
.status.pass{background:#1a7f37}.status.fail{background:#d1242f}.meta{color:#59636e}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}caption{text-align:left;color:#59636e;font-size:.9em;padding-bottom:.3em}
th,td{border:1px solid #d0d7de;padding:.35em .6em;text-align:left;vertical-align:top}th{background:#f6f8fa}
tbody tr:nth-child(even){background:#fbfcfd}td.v{width:4.5em}
.verdict{font-weight:bold;font-size:.85em;padding:.1em .45em;border-radius:4px;letter-spacing:.03em}
.verdict.pass{color:#1a7f37;background:#dafbe1}.verdict.fail{color:#d1242f;background:#ffebe9}
code{background:#f6f8fa;padding:.05em .3em;border-radius:4px;font-size:.92em}
ul.findings{list-style:none;padding-left:0}ul.findings li{margin:.25em 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:1em}
figure{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:.5em}figure svg{width:100%;height:auto;display:block}`;

/** Two charts side by side on a 1,300 px page draw at about their own size, so their text stays readable. */
const HALF = { width: 560, height: 280 } as const;

/** The concurrency and throttle series apart: seven executions and hundreds of throttles share no useful axis. */
function charts(r: Report): string[] {
  const o = r.observation;
  if (!o) return [];
  const t0 = o.window.start;
  const rel = (pts: { t: number; value: number }[]) => pts.map((p) => ({ t: p.t - t0, value: p.value }));
  const out = [
    chartSvg(
      [
        {
          label: `InService instances (${o.endpoint.name})`,
          color: '#1f6feb',
          points: rel(o.endpoint.instanceSeries.map((p) => ({ t: p.t, value: p.instances }))),
        },
      ],
      {
        id: 'instances',
        ...HALF,
        title: 'Endpoint instances',
        yLabel: 'instances',
        limit: { value: r.spec.maxInstances, label: `maxInstances ${r.spec.maxInstances}` },
        markers: o.endpoint.activities.map((a) => ({
          t: a.t - t0,
          label: `scale-${a.direction} to ${a.toDesired}: ${a.cause}`,
        })),
      },
    ),
    chartSvg(
      [
        {
          label: 'concurrent executions (max per period)',
          color: '#8250df',
          points: rel(o.lambda.concurrencySeries),
        },
      ],
      {
        id: 'lambda-concurrency',
        ...HALF,
        title: `Lambda ${o.lambda.functionName}: concurrent executions`,
        yLabel: 'executions',
        limit: {
          value: r.spec.reservedConcurrency,
          label: `reserved concurrency ${r.spec.reservedConcurrency}`,
        },
      },
    ),
    chartSvg([{ label: 'throttles', color: '#d1242f', points: rel(o.lambda.throttleSeries), bars: true }], {
      id: 'lambda-throttles',
      ...HALF,
      title: `Lambda ${o.lambda.functionName}: throttles`,
      yLabel: 'throttles per period',
    }),
  ];
  if (o.endpoint.invocationsPerInstance.length) {
    out.push(
      chartSvg(
        [
          {
            label: 'InvocationsPerInstance',
            color: '#1a7f37',
            points: rel(o.endpoint.invocationsPerInstance),
          },
        ],
        {
          id: 'invocations-per-instance',
          ...HALF,
          title: 'InvocationsPerInstance (per period)',
          yLabel: 'invocations per instance',
          limit: { value: r.spec.targetValue, label: `target ${r.spec.targetValue}` },
        },
      ),
    );
  }
  return out;
}

/** The HTML page: the verdict, the tables (HTML tables, not Markdown text) and the charts. */
export function renderHtml(r: Report): string {
  const sections: string[] = [];
  if (r.checks.length) {
    sections.push(
      '<h2>Verification</h2>',
      htmlTable(checksTable(r), 'What the platform did, against the spec'),
    );
    const failed = r.checks.filter((c) => !c.pass);
    if (failed.length)
      sections.push(
        `<ul class="findings">${failed.map((c) => `<li>${verdictHtml(false)} ${inline(c.message)}</li>`).join('')}</ul>`,
      );
  }
  const figures = charts(r);
  if (figures.length)
    sections.push(
      '<h2>Charts</h2>',
      `<div class="charts">${figures.map((c) => `<figure>${c}</figure>`).join('\n')}</div>`,
    );
  if (r.scenarios.length) {
    sections.push('<h2>Scenarios</h2>', htmlTable(scenariosTable(r), 'k6 scenarios: requests and answers'));
    const findings = scenarioFindings(r);
    if (findings.length)
      sections.push(
        `<ul class="findings">${findings.map((f) => `<li>${verdictHtml(f.ok)} ${inline(f.text)}</li>`).join('')}</ul>`,
      );
  }
  const cap = capacityTable(r);
  if (cap)
    sections.push(
      '<h2>Capacity (one instance)</h2>',
      `<p>${inline(capacitySentence(r) ?? '')}</p>`,
      htmlTable(cap, 'Capacity probe steps'),
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Load test report (${r.mode})</title>
<style>${REPORT_CSS}</style></head>
<body><h1>Load test report</h1>
<p><span class="status ${r.passed ? 'pass' : 'fail'}">${r.passed ? 'PASSED' : 'FAILED'}</span></p>
<p class="meta">Generated ${esc(r.generatedAt)} — mode ${r.mode} — target ${esc(r.target)}</p>
<p>${inline(specSentence(r))}</p>
${sections.join('\n')}
</body></html>
`;
}
