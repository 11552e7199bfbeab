/**
 * The report's tables as data: headers and rows of cells, a verdict being a cell of its own. Markdown (the CI job
 * summary), the HTML page and the terminal each draw the same rows their own way, so the numbers cannot disagree and
 * no renderer has to parse another's output.
 */
import type { Report } from './model';

/** A pass/fail cell: each renderer picks its mark (an emoji in Markdown, coloured text in HTML and the terminal). */
export interface Verdict {
  readonly ok: boolean;
}

export type Cell = string | Verdict;

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export const isVerdict = (c: Cell): c is Verdict => typeof c !== 'string';

/** Passed when its k6 thresholds held and every note the runner added is true. */
export const scenarioOk = (s: Report['scenarios'][number]): boolean => s.passed && s.notes.every((n) => n.ok);

/** What the verifier checked against the spec: one row per rule. */
export function checksTable(r: Report): Table {
  return {
    headers: ['', 'check', 'expected', 'actual'],
    rows: r.checks.map((c) => [{ ok: c.pass }, c.title, c.expected, c.actual]),
  };
}

/** One row per k6 scenario: what it sent and how it was answered. */
export function scenariosTable(r: Report): Table {
  return {
    headers: ['', 'scenario', 'requests', 'p95 ms', '200', '429', 'other', 'failed rate'],
    rows: r.scenarios.map((s) => [
      { ok: scenarioOk(s) },
      s.name,
      String(s.requests),
      s.p95Ms?.toFixed(1) ?? 'n/a',
      String(s.ok),
      String(s.throttled),
      String(s.unexpected),
      `${(s.failedRate * 100).toFixed(2)}%`,
    ]),
  };
}

/** The capacity probe's steps, when the run had one. */
export function capacityTable(r: Report): Table | undefined {
  const c = r.capacity;
  if (!c) return undefined;
  return {
    headers: ['req/s', 'p95 ms', 'error rate', 'dropped', 'sustainable'],
    rows: c.steps.map((s) => [
      String(s.rps),
      s.p95Ms?.toFixed(1) ?? 'n/a',
      `${(s.errorRate * 100).toFixed(2)}%`,
      String(s.droppedIterations),
      { ok: s.sustainable },
    ]),
  };
}

/** The findings under the scenarios table: failed thresholds and the runner's notes. */
export function scenarioFindings(r: Report): { ok: boolean; text: string }[] {
  return r.scenarios.flatMap((s) => [
    ...s.thresholds
      .filter((t) => !t.ok)
      .map((t) => ({ ok: false, text: `${s.name}: threshold \`${t.metric}: ${t.expression}\` failed` })),
    ...s.notes.map((n) => ({ ok: n.ok, text: `${s.name}: ${n.text}` })),
  ]);
}

/** The spec the run was judged against, in one sentence. */
export function specSentence(r: Report): string {
  return (
    `Target \`${r.target}\`; endpoint \`${r.spec.endpoint}\` (${r.spec.minInstances}–${r.spec.maxInstances} instances, ` +
    `${r.spec.metric} target ${r.spec.targetValue}, cooldowns ${r.spec.scaleOutCooldownSeconds} s out / ${r.spec.scaleInCooldownSeconds} s in); ` +
    `function \`${r.spec.functionName}\` (reserved concurrency ${r.spec.reservedConcurrency})` +
    (r.timeScale !== 1 ? `; time scale ${r.timeScale}` : '') +
    '.'
  );
}

/** The capacity probe's conclusion, in one sentence (Markdown emphasis). */
export function capacitySentence(r: Report): string | undefined {
  const c = r.capacity;
  if (!c) return undefined;
  return (
    `Peak sustainable rate **${c.lowerBound ? '≥ ' : ''}${c.peakRps} req/s** at p95 < ${c.sloP95Ms} ms → implied InvocationsPerInstance target ` +
    `**${c.impliedTargetValue}** (= ${c.peakRps} × ${c.safetyFactor} × 60); the spec has ${c.specTargetValue}.` +
    (c.lowerBound ? ' Every step held the SLO: raise --max-rps to find the real peak.' : '')
  );
}

/**
 * A table as aligned plain text for a terminal, verdicts as PASS / FAIL (coloured when `color`): readable in any
 * terminal font, unlike emoji.
 */
export function terminalTable(t: Table, opts: { readonly color?: boolean } = {}): string {
  const text = (c: Cell) => (isVerdict(c) ? (c.ok ? 'PASS' : 'FAIL') : c.replace(/`/g, ''));
  const paint = (c: Cell, s: string) =>
    opts.color && isVerdict(c) ? `\u001b[1;${c.ok ? 32 : 31}m${s}\u001b[0m` : s;
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => text(r[i] ?? '').length)));
  const line = (cells: readonly Cell[]) =>
    cells
      .map((c, i) => paint(c, text(c).padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}
