/**
 * Rollout: RATE requests/s for DURATION_S straight at the endpoint (InvokeEndpoint) while it is updated. Every request
 * becomes one `rollout_requests` sample (value: its duration, ms) tagged with its HTTP status and the `modelVersion`
 * that answered, so the rollout verifier can tell, request by request, which fleet served it and whether any was
 * lost. The runner writes the samples with `--out json=...`.
 */
import { Trend } from 'k6/metrics';
import { optionsFor, env } from './lib/options.ts';
import { writeSummary } from './lib/summary.ts';
import { Target, classify } from './lib/target.ts';

export const options = optionsFor('rollout');

const image = open(env.payloadPath, 'b');
const target = new Target(env, image);
const requests = new Trend('rollout_requests', true);

export function setup(): void {
  target.healthCheck();
}

/** The model that answered: the prediction's `modelVersion`; empty when the request failed. */
function answeredBy(res: ReturnType<Target['invokeEndpoint']>): string {
  if (res.status !== 200) return '';
  try {
    const version = res.json('modelVersion');
    return typeof version === 'string' ? version : '';
  } catch {
    return '';
  }
}

export default function (): void {
  const res = target.invokeEndpoint({ phase: 'rollout' });
  classify(res);
  requests.add(res.timings.duration, { status: String(res.status), model: answeredBy(res) });
}

export function handleSummary(data: Parameters<typeof writeSummary>[2]) {
  return writeSummary('rollout', env.summaryOut, data);
}
