/** The load-test report: verdict, Markdown summary, HTML page (parsed as a browser does), terminal table, files. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { parse, type DefaultTreeAdapterTypes } from 'parse5';
import { describe, expect, it } from 'vitest';
import { capacityFromSteps } from '../capacity';
import type { ScenarioResult } from '../runner/k6-summary';
import { goodObservation, nth } from '../verify/fixtures';
import { verify } from '../verify/rules';
import { buildReport } from './model';
import { renderHtml, renderMarkdown, renderTerminal } from './render';
import { writeReport } from './write';

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

const children = (n: Node): Node[] =>
  'childNodes' in n ? [...n.childNodes, ...('content' in n ? n.content.childNodes : [])] : [];
/** Every element named `tag` under `n`, in document order (parse5's tree, as a browser builds it). */
function elements(n: Node, tag: string): Element[] {
  return children(n).flatMap((c) => [
    ...('tagName' in c && c.tagName === tag ? [c] : []),
    ...elements(c, tag),
  ]);
}
const text = (n: Node): string =>
  'value' in n && n.nodeName === '#text' ? n.value : children(n).map(text).join('').trim();
const attr = (e: Element | undefined, name: string) => e?.attrs.find((a) => a.name === name)?.value;

const scenario = (name: string, patch: Partial<ScenarioResult> = {}): ScenarioResult => ({
  name,
  passed: true,
  requests: 100,
  p95Ms: 120.5,
  failedRate: 0,
  ok: 60,
  throttled: 40,
  unexpected: 0,
  droppedIterations: 0,
  thresholds: [{ metric: 'http_req_failed', expression: 'rate<=0', ok: true }],
  notes: [],
  ...patch,
});

function report(obs = goodObservation(), scenarios = [scenario('smoke'), scenario('concurrency')]) {
  const checks = verify(PLATFORM_SPEC, obs, { offeredConcurrency: 14, expectScaleIn: true });
  return buildReport({
    spec: PLATFORM_SPEC,
    mode: 'local',
    target: 'http://127.0.0.1:1',
    endpointName: obs.endpoint.name,
    scenarios,
    checks,
    observation: obs,
    now: new Date('2026-11-25T00:00:00Z'),
  });
}

describe('report', () => {
  it('passes only when every check and scenario passed', () => {
    expect(report().passed).toBe(true);
    expect(report(goodObservation(), [scenario('smoke', { passed: false })]).passed).toBe(false);
    const o = goodObservation();
    o.lambda.throttles = 0;
    expect(report(o).passed).toBe(false);
  });

  it('renders Markdown with checks, scenarios, failures and capacity', () => {
    const o = goodObservation();
    o.endpoint.instanceSeries = o.endpoint.instanceSeries.map((p) => ({
      ...p,
      instances: Math.min(3, p.instances),
    }));
    nth(o.endpoint.activities, 1).toDesired = 3;
    const r = {
      ...report(o),
      capacity: capacityFromSteps(
        [{ rps: 10, p95Ms: 100, errorRate: 0, droppedIterations: 0, requests: 100 }],
        { sloP95Ms: 500, specTargetValue: 300 },
      ),
    };
    const md = renderMarkdown(r);
    expect(md).toContain('FAILED ❌');
    expect(md).toContain('reached only 3 instances, expected 4');
    expect(md).toMatch(/\| ✅ \| concurrency \| 100 \| 120\.5 \| 60 \| 40 \| 0 \| 0\.00% \|/);
    expect(md).toContain('implied InvocationsPerInstance target **300** (= 10 × 0.5 × 60)');
  });

  it('draws the instance and concurrency charts inline, with the spec limits and no external resources', () => {
    const html = renderHtml(report());
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).toContain('maxInstances 4');
    expect(html).toContain('reserved concurrency 7');
    expect(html).not.toMatch(/<script|(src|href)="https?:|@import/);
  });

  it('renders its tables as HTML tables with text verdicts, and the concurrency on an axis that shows it', () => {
    const o = goodObservation();
    // A real concurrency run: the throttles per period are tens of times the reserved concurrency.
    o.lambda.throttleSeries = [0, 120, 280, 190, 0].map((v, i) => ({
      t: o.window.start + 20_000 + i * 1000,
      value: v,
    }));
    const doc = parse(renderHtml(report(o)));
    const tables = elements(doc, 'table');
    expect(tables.map((t) => elements(t, 'th').map(text))).toEqual([
      ['', 'check', 'expected', 'actual'],
      ['', 'scenario', 'requests', 'p95 ms', '200', '429', 'other', 'failed rate'],
    ]);
    const scenarioRows = elements(nth(tables, 1), 'tr').slice(1);
    expect(scenarioRows.map((r) => elements(r, 'td').map(text))).toContainEqual([
      'PASS',
      'concurrency',
      '100',
      '120.5',
      '60',
      '40',
      '0',
      '0.00%',
    ]);
    // No Markdown left in the page, and no mark that needs an emoji font.
    const body = text(nth(elements(doc, 'body'), 0));
    expect(body).not.toMatch(/\|---|[\u{1F300}-\u{1FAFF}\u2705\u274C]/u);
    expect(elements(doc, 'pre')).toEqual([]);

    const charts = new Map(elements(doc, 'svg').map((svg) => [attr(svg, 'data-chart'), svg]));
    const concurrency = charts.get('lambda-concurrency');
    const yMax = Number(attr(concurrency, 'data-y-max'));
    const reserved = PLATFORM_SPEC.invoker.reservedConcurrency;
    expect(yMax).toBeGreaterThanOrEqual(reserved);
    expect(yMax).toBeLessThanOrEqual(2 * reserved);
    // The throttles have their own chart and axis, which is what keeps the concurrency axis small.
    expect(Number(attr(charts.get('lambda-throttles'), 'data-y-max'))).toBeGreaterThanOrEqual(280);
    expect(Number(attr(charts.get('instances'), 'data-y-max'))).toBeLessThanOrEqual(
      2 * PLATFORM_SPEC.autoscaling.maxInstances,
    );
  });

  it('prints the verdict for a terminal as aligned PASS / FAIL tables', () => {
    const out = renderTerminal(report());
    expect(out).toMatch(/^Load test \(local\): PASSED$/m);
    expect(out).toMatch(/^PASS +concurrency +100 +120\.5 +60 +40 +0 +0\.00%$/m);
    expect(out).not.toMatch(/[\u2705\u274C`]/u);
  });

  it('writes report.json, report.html, summary.md and the GitHub job summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const summaryFile = join(dir, 'step-summary.md');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(summaryFile, '');
    process.env['GITHUB_STEP_SUMMARY'] = summaryFile;
    try {
      const paths = await writeReport(report(), join(dir, 'out'), { GITHUB_STEP_SUMMARY: summaryFile });
      expect(JSON.parse(readFileSync(paths.json, 'utf8')).passed).toBe(true);
      expect(readFileSync(paths.html, 'utf8')).toContain('<svg');
      expect(readFileSync(summaryFile, 'utf8')).toContain('## Load test (local) — PASSED');
    } finally {
      delete process.env['GITHUB_STEP_SUMMARY'];
    }
  });
});
