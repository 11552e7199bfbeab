import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The part of k6's handleSummary data the runner reads (written by k6/lib/summary.ts). */
export const K6SummarySchema = z.object({
  scenario: z.string(),
  metrics: z.record(
    z.string(),
    z.object({
      type: z.string(),
      values: z.record(z.string(), z.number()),
      thresholds: z.record(z.string(), z.object({ ok: z.boolean() })).optional(),
    }),
  ),
});
export type K6Summary = z.infer<typeof K6SummarySchema>;

export interface ScenarioResult {
  name: string;
  passed: boolean;
  requests: number;
  p95Ms: number | undefined;
  failedRate: number;
  ok: number;
  throttled: number;
  unexpected: number;
  droppedIterations: number;
  thresholds: { metric: string; expression: string; ok: boolean }[];
  /** Extra findings the runner adds (e.g. soak latency drift), failing the scenario when false. */
  notes: { text: string; ok: boolean }[];
}

export function readK6Summary(path: string): K6Summary {
  const parsed = K6SummarySchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a k6 summary: ${parsed.error.message}`);
  return parsed.data;
}

export function scenarioResult(s: K6Summary, exitCode: number): ScenarioResult {
  const v = (metric: string, key: string) => s.metrics[metric]?.values[key];
  const thresholds = Object.entries(s.metrics).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {}).map(([expression, r]) => ({ metric, expression, ok: r.ok })),
  );
  return {
    name: s.scenario,
    passed: exitCode === 0 && thresholds.every((t) => t.ok),
    requests: v('http_reqs', 'count') ?? 0,
    p95Ms: v('http_req_duration{expected_response:true}', 'p(95)') ?? v('http_req_duration', 'p(95)'),
    failedRate: v('http_req_failed', 'rate') ?? 0,
    ok: v('ok_responses', 'count') ?? 0,
    throttled: v('throttled_responses', 'count') ?? 0,
    unexpected: v('unexpected_responses', 'count') ?? 0,
    droppedIterations: v('dropped_iterations', 'count') ?? 0,
    thresholds,
    notes: [],
  };
}

/** Soak: the late half's p95 must stay within `factor` × the early half's (+ a small absolute slack). */
export function soakDrift(
  s: K6Summary,
  factor = 1.5,
  slackMs = 50,
): { text: string; ok: boolean } | undefined {
  const early = s.metrics['http_req_duration{phase:early}']?.values['p(95)'];
  const late = s.metrics['http_req_duration{phase:late}']?.values['p(95)'];
  if (early === undefined || late === undefined) return undefined;
  const ok = late <= early * factor + slackMs;
  return {
    ok,
    text: `p95 early ${early.toFixed(1)} ms, late ${late.toFixed(1)} ms (limit ${(early * factor + slackMs).toFixed(1)} ms)`,
  };
}
