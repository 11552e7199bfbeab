/**
 * Drift mix: RATE requests/s straight at the endpoint (InvokeEndpoint) for DURATION_S, sending photos from MIX_A
 * for the first half and from MIX_B for the second, so the endpoint's data capture holds two windows with different
 * photo mixes: what `dogbreed-drift` must tell apart (apps/drift's e2e test). MIX_A and MIX_B are JSON arrays of
 * absolute image paths (k6 opens files only at init). Each request is tagged with its half (`mix: a|b`), and
 * `drift_mix_requests` counts them, so the run can say where the switch fell.
 */
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { readEnv } from './lib/env.ts';
import { writeSummary } from './lib/summary.ts';
import { classify, Target } from './lib/target.ts';

const env = readEnv();

function paths(name: string): string[] {
  const raw = __ENV[name];
  const list: unknown = raw ? JSON.parse(raw) : undefined;
  if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== 'string'))
    throw new Error(`${name} must be a JSON array of image paths`);
  return list as string[];
}

const rate = Number(__ENV['RATE'] ?? '4');
const durationS = Number(__ENV['DURATION_S'] ?? '60');

export const options: Options = {
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'max', 'count'],
  maxRedirects: 0,
  scenarios: {
    drift: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: `${durationS}s`,
      preAllocatedVUs: Math.max(2, rate * 2),
      maxVUs: Math.max(4, rate * 4),
    },
  },
  thresholds: { unexpected_responses: ['count<1'] },
};

const targets = {
  a: paths('MIX_A').map((p) => new Target(env, open(p, 'b'))),
  b: paths('MIX_B').map((p) => new Target(env, open(p, 'b'))),
};
const sent = new Counter('drift_mix_requests');

export default function (): void {
  // progress is the scenario's elapsed share of its duration: the mix switches at half time, not at half the count.
  const half = exec.scenario.progress < 0.5 ? 'a' : 'b';
  const pool = targets[half];
  const target = pool[exec.scenario.iterationInTest % pool.length] as Target;
  classify(target.invokeEndpoint({ phase: 'drift', mix: half }));
  sent.add(1, { mix: half });
}

export function handleSummary(data: Parameters<typeof writeSummary>[2]) {
  return writeSummary('drift-mix', env.summaryOut, data);
}
