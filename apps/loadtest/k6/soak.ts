import exec from 'k6/execution';
import { check } from 'k6';
import { optionsFor, env } from './lib/options.ts';
import { writeSummary } from './lib/summary.ts';
import { Target, classify } from './lib/target.ts';

/**
 * Soak: a steady arrival rate (half the target at minInstances) for DURATION_S. Requests are tagged early/late
 * (first and second half) so the runner can check latency stayed flat.
 */
export const options = optionsFor('soak');

const image = open(env.payloadPath, 'b');
const target = new Target(env, image);
const halfMs = (Number(__ENV['DURATION_S'] ?? 60) * 1000) / 2;

export function setup(): void {
  target.healthCheck();
}

export default function (): void {
  const phase = exec.instance.currentTestRunDuration < halfMs ? 'early' : 'late';
  const res = target.invokeFunctionUrl({ phase });
  classify(res);
  check(res, { 'status 200': (r) => r.status === 200 });
}

export function handleSummary(data: Parameters<typeof writeSummary>[2]) {
  return writeSummary('soak', env.summaryOut, data);
}
