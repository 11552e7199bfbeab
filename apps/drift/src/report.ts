/**
 * The drift report: `drift-report.json` (the schema below, what tools and the next run read), `drift-report.md` (the
 * job summary: tables) and `drift-report.html` (the same tables with the two distributions as inline SVG charts).
 * PASS/FAIL are words, never colours alone, so the summary reads the same in a terminal and in a screen reader.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DriftChecksSchema,
  DriftFiguresSchema,
  psiBand,
  type DriftBin,
  type QualityCheck,
} from '@dogbreed/model-quality';
import { z } from 'zod';
import { escapeHtml as h } from '@dogbreed/html-report';
import { barChartSvg } from './svg.js';

export const DriftReportSchema = z.object({
  generatedAt: z.string(),
  endpoint: z.string(),
  /** The variant folders read. */
  variants: z.array(z.string()),
  captures: z.string(),
  window: z.object({ start: z.string(), end: z.string() }),
  baseline: z.object({
    kind: z.enum(['evaluation', 'window']),
    /** The evaluation.json path, or the reference window `START/END`. */
    source: z.string(),
    answers: z.number().int().nonnegative(),
  }),
  read: z.object({
    files: z.number().int().nonnegative(),
    outsideWindow: z.number().int().nonnegative(),
    badLines: z.array(z.string()),
  }),
  figures: DriftFiguresSchema,
  verdict: DriftChecksSchema.shape.verdict,
  checks: DriftChecksSchema.shape.checks,
  /** What was published with --publish-metrics (namespace and the metrics sent); null when not asked. */
  published: z.object({ namespace: z.string(), metrics: z.array(z.string()) }).nullable(),
});
export type DriftReport = z.infer<typeof DriftReportSchema>;

const fmt = (v: number | null, digits = 3) => (v === null ? 'n/a' : v.toFixed(digits));
const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`);
const VERDICT_TEXT = {
  pass: 'PASS',
  fail: 'FAIL: drift past a threshold',
  'not-enough-data': 'NOT ENOUGH DATA',
};

/** The one line a person reads first (stdout, the summary's heading). */
export function headline(r: DriftReport): string {
  const failed = r.checks
    .filter((c) => c.result === 'fail')
    .map((c) => `${c.name} ${fmt(c.value)} > ${c.limit}`);
  const base = `drift ${r.endpoint}: ${VERDICT_TEXT[r.verdict]} (${r.figures.answers} answers)`;
  return failed.length > 0 ? `${base}: ${failed.join(', ')}` : base;
}

function psiCell(v: number | null): string {
  return v === null ? 'n/a' : `${v.toFixed(3)} (${psiBand(v)})`;
}

function checkRows(checks: readonly QualityCheck[]): string[][] {
  return checks.map((c) => [
    c.name,
    c.description,
    c.name === 'minRequests' ? fmt(c.value, 0) : fmt(c.value),
    `${c.comparator} ${c.limit}`,
    c.result.toUpperCase(),
  ]);
}

function binRows(bins: readonly DriftBin[]): string[][] {
  return bins.map((b) => [b.label, pct(b.baselineShare), pct(b.windowShare), b.psiTerm.toFixed(4)]);
}

function mdTable(head: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The job summary. */
export function renderMarkdown(r: DriftReport): string {
  const f = r.figures;
  return [
    `## ${headline(r)}`,
    '',
    `Window ${r.window.start} to ${r.window.end}, ${r.captures} (${r.variants.join(', ') || 'no variant'}): ` +
      `${r.read.files} capture file(s), ${f.answers} answers, ${f.errors} error answers, ` +
      `${r.read.badLines.length} unreadable line(s).`,
    `Baseline: ${r.baseline.kind === 'evaluation' ? 'evaluation' : 'reference window'} ${r.baseline.source} ` +
      `(${r.baseline.answers} answers).`,
    '',
    mdTable(['check', 'what', 'value', 'limit', 'result'], checkRows(r.checks)),
    '',
    `PSI bands: under 0.1 none, 0.1 to 0.25 moderate, over 0.25 significant.`,
    '',
    `### Top-1 class mix (PSI ${psiCell(f.classMixPsi)})`,
    '',
    mdTable(['class', 'baseline', 'window', 'PSI term'], binRows(f.classMix)),
    '',
    `### Top-1 confidence (PSI ${psiCell(f.confidencePsi)})`,
    '',
    f.confidence.length > 0
      ? mdTable(['confidence', 'baseline', 'window', 'PSI term'], binRows(f.confidence))
      : 'n/a: the baseline carries no confidence histogram, or the window no answers.',
    '',
    `### Not-a-dog rate`,
    '',
    mdTable(
      ['baseline', 'window', 'increase'],
      [[pct(f.notADogRate.baseline), pct(f.notADogRate.window), pct(f.notADogRate.increase)]],
    ),
    '',
    r.published
      ? `Published to CloudWatch namespace \`${r.published.namespace}\`: ${r.published.metrics.join(', ') || 'nothing'}.`
      : 'Metrics not published (run with --publish-metrics).',
    '',
  ].join('\n');
}

function htmlTable(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The HTML report: tables and inline SVG charts, no script, no external resource. */
export function renderHtml(r: DriftReport): string {
  const f = r.figures;
  const chart = (title: string, bins: readonly DriftBin[]) =>
    bins.length === 0
      ? '<p>n/a</p>'
      : barChartSvg({
          title,
          labels: bins.map((b) => b.label),
          series: [
            { name: 'baseline', values: bins.map((b) => b.baselineShare) },
            { name: 'window', values: bins.map((b) => b.windowShare) },
          ],
        });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${h(headline(r))}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f4f4f4}</style></head><body>
<h1>${h(headline(r))}</h1>
<p>Window ${h(r.window.start)} to ${h(r.window.end)}, ${h(r.captures)} (${h(r.variants.join(', '))}):
${r.read.files} capture file(s), ${f.answers} answers, ${f.errors} error answers, ${r.read.badLines.length} unreadable line(s).
Baseline: ${h(r.baseline.kind)} ${h(r.baseline.source)} (${r.baseline.answers} answers).</p>
${htmlTable(['check', 'what', 'value', 'limit', 'result'], checkRows(r.checks))}
<p>PSI bands: under 0.1 none, 0.1 to 0.25 moderate, over 0.25 significant.</p>
<h2>Top-1 class mix: PSI ${h(psiCell(f.classMixPsi))}</h2>
${chart('Share of answers per top-1 class', f.classMix)}
${htmlTable(['class', 'baseline', 'window', 'PSI term'], binRows(f.classMix))}
<h2>Top-1 confidence: PSI ${h(psiCell(f.confidencePsi))}</h2>
${chart('Share of answers per confidence bin', f.confidence)}
${f.confidence.length > 0 ? htmlTable(['confidence', 'baseline', 'window', 'PSI term'], binRows(f.confidence)) : ''}
<h2>Not-a-dog rate</h2>
${htmlTable(['baseline', 'window', 'increase'], [[pct(f.notADogRate.baseline), pct(f.notADogRate.window), pct(f.notADogRate.increase)]])}
</body></html>
`;
}

/** Writes the three files into `dir`; returns their paths. */
export function writeReport(dir: string, r: DriftReport): { json: string; markdown: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const paths = {
    json: join(dir, 'drift-report.json'),
    markdown: join(dir, 'drift-report.md'),
    html: join(dir, 'drift-report.html'),
  };
  writeFileSync(paths.json, `${JSON.stringify(DriftReportSchema.parse(r), null, 2)}\n`);
  writeFileSync(paths.markdown, renderMarkdown(r));
  writeFileSync(paths.html, renderHtml(r));
  return paths;
}
