import { check } from 'k6';
import { optionsFor, env } from './lib/options.ts';
import { writeSummary } from './lib/summary.ts';
import { Target, classify } from './lib/target.ts';

/** One capacity-probe step: RATE requests/s for DURATION_S straight at the endpoint (one instance). */
export const options = optionsFor('probe');

const image = open(env.payloadPath, 'b');
const target = new Target(env, image);

export default function (): void {
  const res = target.invokeEndpoint();
  classify(res);
  check(res, { 'status 200': (r) => r.status === 200 });
}

export function handleSummary(data: Parameters<typeof writeSummary>[2]) {
  return writeSummary('probe', env.summaryOut, data);
}
