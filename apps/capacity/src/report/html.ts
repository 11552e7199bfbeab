/**
 * The report as one HTML page: the inputs, per trace a real table of the policies (the rows the Markdown report
 * has, from the same data, so the numbers cannot differ), the offered load against each policy's capacity, and its
 * instances. No script, no web font, nothing fetched.
 */
import { inputsSentence, traceHeading, traceTable } from './markdown.js';
import type { SimulationReport } from './model.js';
import { stepChart } from './svg.js';
import { escapeHtml as esc } from '@dogbreed/html-report';

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bf8700', '#0a7f8f'];

const CSS = `body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;max-width:1240px;margin:1.5em auto;padding:0 1.5em;color:#1f2328}
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}caption{text-align:left;color:#59636e;font-size:.9em;padding-bottom:.3em}
th,td{border:1px solid #d0d7de;padding:.35em .6em;text-align:right;vertical-align:top}th{background:#f6f8fa}
th:first-child,td:first-child{text-align:left}tr.difference td{font-weight:bold;background:#f6f8fa}
ul.policies li{margin:.2em 0}.meta{color:#59636e}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:1em}
figure{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:.5em}figure svg{width:100%;height:auto;display:block}`;

function table(r: SimulationReport, trace: string): string {
  const t = traceTable(r, trace);
  const head = t.headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const rows = t.rows
    .map(
      (row) =>
        `<tr${row.difference ? ' class="difference"' : ''}>${row.cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><caption>Per policy over the whole trace${t.rows.some((x) => x.difference) ? '; the last row is the difference' : ''}</caption><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

export function renderHtml(r: SimulationReport): string {
  const sections: string[] = [];
  for (const t of r.inputs.traces) {
    const rows = r.results.filter((x) => x.trace === t.name);
    const offered = rows[0]?.timeline.map((s) => s.offered) ?? [];
    const color = (k: number) => COLORS[k % COLORS.length] as string;
    const figures = [
      stepChart({
        id: `${t.name}-load`,
        title: `${t.name}: offered load and InService capacity`,
        yLabel: 'requests per minute',
        series: [
          { label: 'offered', color: '#222', values: offered },
          ...rows.map((x, k) => ({
            label: `capacity (${x.policy})`,
            color: color(k),
            values: x.timeline.map((s) => s.capacity),
            dashed: true,
          })),
        ],
      }),
      stepChart({
        id: `${t.name}-instances`,
        title: `${t.name}: instances`,
        yLabel: 'InService (solid), billed (dashed)',
        series: rows.flatMap((x, k) => [
          { label: `InService (${x.policy})`, color: color(k), values: x.timeline.map((s) => s.inService) },
          {
            label: `billed (${x.policy})`,
            color: color(k),
            values: x.timeline.map((s) => s.billed),
            dashed: true,
          },
        ]),
      }),
    ];
    sections.push(
      `<h2>${esc(traceHeading(t))}</h2>`,
      table(r, t.name),
      `<div class="charts">${figures.map((f) => `<figure>${f}</figure>`).join('\n')}</div>`,
    );
  }
  const policies = r.inputs.policies
    .map((p) => `<li><strong>${esc(p.name)}</strong>: ${esc(p.summary)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Capacity what-if</title>
<style>${CSS}</style></head>
<body><h1>Capacity what-if</h1>
<p class="meta">${esc(inputsSentence(r))}</p>
<ul class="policies">${policies}</ul>
${sections.join('\n')}
</body></html>
`;
}
