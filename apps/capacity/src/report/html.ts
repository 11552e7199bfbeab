/** The report as one HTML page: per trace, the offered load against each policy's capacity, and its instances. */
import { renderMarkdown } from './markdown.js';
import type { SimulationReport } from './model.js';
import { stepChart } from './svg.js';

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bf8700', '#0a7f8f'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderHtml(r: SimulationReport): string {
  const figures: string[] = [];
  for (const t of r.inputs.traces) {
    const rows = r.results.filter((x) => x.trace === t.name);
    const offered = rows[0]?.timeline.map((s) => s.offered) ?? [];
    const color = (k: number) => COLORS[k % COLORS.length] as string;
    figures.push(
      `<h2>${esc(t.name)}</h2>`,
      stepChart({
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
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Capacity what-if</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}pre{white-space:pre-wrap;background:#f6f8fa;padding:1em}svg{display:block;margin:1em 0}</style></head>
<body><h1>Capacity what-if</h1>
<pre class="summary">${esc(renderMarkdown(r))}</pre>
${figures.join('\n')}
</body></html>
`;
}
