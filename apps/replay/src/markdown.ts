/**
 * The report as Markdown: the verdict and the checks table first (what a reviewer of the pipeline run needs), then
 * the figures, the flips and where the two models' class lists differ. Appended to the GitHub step summary.
 */
import type { ReplayCheck, ReplayReport, ReplaySide } from './report.js';

/** How many flips and class names the Markdown lists (the JSON has all of them). */
export const MARKDOWN_LIST_LIMIT = 15;

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const ms = (v: number) => `${v.toFixed(1)} ms`;

function formatValue(c: ReplayCheck): string {
  if (c.value === null) return '—';
  switch (c.name) {
    case 'minTop1Agreement':
    case 'maxAccuracyDrop':
      return pct(c.value);
    case 'maxMeanConfidenceShift':
    case 'maxP95LatencyRatio':
      return c.value.toFixed(3);
    default:
      return String(c.value);
  }
}

function formatLimit(c: ReplayCheck): string {
  return formatValue({ ...c, value: c.limit });
}

/** A table cell's text: a `|` would end the cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

function side(name: string, s: ReplaySide): string {
  const classes = s.classNames ? `, ${s.classNames.length} classes` : '';
  return `- **${name}**: \`${s.target}\` (${s.kind}${s.modelVersion ? `, \`${s.modelVersion}\`` : ''}${classes})`;
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, MARKDOWN_LIST_LIMIT).join(', ');
  return names.length > MARKDOWN_LIST_LIMIT
    ? `${shown} … (+${names.length - MARKDOWN_LIST_LIMIT} more)`
    : shown;
}

export function renderMarkdown(r: ReplayReport): string {
  const f = r.figures;
  const lines: string[] = [
    `## Shadow replay: ${r.verdict === 'pass' ? 'PASS' : 'FAIL'}`,
    '',
    side('Serving', r.baseline),
    side('Candidate', r.candidate),
    `- **Requests**: ${f.requests} sent (${r.inputs.imageRequests} labelled images, ${r.inputs.captureRequests} captured), ` +
      `${f.compared} answered by both; errors: serving ${f.errors.baseline}, candidate ${f.errors.candidate}`,
    '',
    '| Check | Value | Limit | Result |',
    '| --- | --- | --- | --- |',
    ...r.checks.map(
      (c) =>
        `| ${cell(c.description)} (\`${c.name}\`) | ${formatValue(c)} | ${c.comparator} ${formatLimit(c)} | ${c.result} |`,
    ),
    '',
  ];
  if (f.accuracy) {
    const a = f.accuracy;
    lines.push(
      `**Accuracy** on ${a.labelled} labelled images: serving ${pct(a.baseline.rate)} (${a.baseline.correct}), ` +
        `candidate ${pct(a.candidate.rate)} (${a.candidate.correct}).`,
    );
    if (a.commonLabels && (a.labelsUnknownTo.baseline?.length || a.labelsUnknownTo.candidate?.length)) {
      const c = a.commonLabels;
      lines.push(
        `On the ${c.labelled} images whose breed both models have: serving ${c.baseline ? pct(c.baseline.rate) : '—'}, ` +
          `candidate ${c.candidate ? pct(c.candidate.rate) : '—'}.`,
      );
    }
    if (a.labelsUnknownTo.baseline?.length)
      lines.push(`Labels the serving model has no class for: ${list(a.labelsUnknownTo.baseline)}.`);
    if (a.labelsUnknownTo.candidate?.length)
      lines.push(`Labels the candidate has no class for: ${list(a.labelsUnknownTo.candidate)}.`);
    lines.push('');
  }
  if (f.confidence)
    lines.push(
      `**Confidence** (top-1): serving mean ${f.confidence.baselineMean.toFixed(3)}, candidate mean ` +
        `${f.confidence.candidateMean.toFixed(3)}, mean |Δ| ${f.confidence.meanAbsShift.toFixed(3)}.`,
      '',
    );
  if (f.latency)
    lines.push(
      `**Latency** (client-side, side by side, concurrency 1): serving p50 ${ms(f.latency.baseline.p50Ms)} / ` +
        `p95 ${ms(f.latency.baseline.p95Ms)}, candidate p50 ${ms(f.latency.candidate.p50Ms)} / ` +
        `p95 ${ms(f.latency.candidate.p95Ms)}, p95 ratio ${f.latency.p95Ratio.toFixed(3)}.`,
      '',
    );
  const comparable = f.agreement.comparable;
  if (comparable && comparable.requests < f.compared)
    lines.push(
      `**Agreement where the candidate has the serving model's breed** (${comparable.requests} of ${f.compared} ` +
        `requests): ${comparable.rate === null ? '—' : pct(comparable.rate)}.`,
      '',
    );
  if (f.flips.length > 0) {
    const total = f.flips.reduce((n, x) => n + x.count, 0);
    const unavoidable = f.flips.filter((x) => x.candidateHasFrom === false).reduce((n, x) => n + x.count, 0);
    lines.push(
      `**Flips** (${total}${unavoidable > 0 ? `, ${unavoidable} from breeds the candidate has no class for` : ''}: ` +
        `serving breed → candidate breed)`,
      '',
      '| Serving | Candidate | Count |',
      '| --- | --- | --- |',
      ...f.flips
        .slice(0, MARKDOWN_LIST_LIMIT)
        .map(
          (x) =>
            `| ${cell(x.from)}${x.candidateHasFrom === false ? ' (not a candidate class)' : ''} | ${cell(x.to)} | ${x.count} |`,
        ),
    );
    if (f.flips.length > MARKDOWN_LIST_LIMIT)
      lines.push(`| … ${f.flips.length - MARKDOWN_LIST_LIMIT} more in replay-report.json | | |`);
    lines.push('');
  }
  if (f.classes && (f.classes.onlyBaseline.length > 0 || f.classes.onlyCandidate.length > 0)) {
    lines.push(
      `**Class lists** differ: ${f.classes.common} breeds in common` +
        (f.classes.onlyBaseline.length
          ? `; only the serving model (${f.classes.onlyBaseline.length}): ${list(f.classes.onlyBaseline)}`
          : '') +
        (f.classes.onlyCandidate.length
          ? `; only the candidate (${f.classes.onlyCandidate.length}): ${list(f.classes.onlyCandidate)}`
          : '') +
        '.',
      '',
    );
  }
  if (f.errors.examples.length > 0) {
    lines.push(
      '**Errors** (first few)',
      '',
      ...f.errors.examples.map((e) => `- ${e.side} \`${e.id}\`: ${e.error}`),
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
