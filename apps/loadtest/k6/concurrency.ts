import { check } from 'k6';
import { optionsFor, env } from './lib/options.ts';
import { writeSummary } from './lib/summary.ts';
import { Target, classify } from './lib/target.ts';

/**
 * Concurrency: more closed-loop users than the invoker's reserved concurrency against the function URL. The excess
 * must come back as 429 TooManyRequestsException; every response is 200 or 429 (none lost silently).
 */
export const options = optionsFor('concurrency');

const image = open(env.payloadPath, 'b');
const target = new Target(env, image);

export function setup(): void {
  target.healthCheck();
}

export default function (): void {
  const res = target.invokeFunctionUrl();
  const kind = classify(res);
  check(res, {
    '200 or 429': () => kind !== 'unexpected',
    '429 says TooManyRequests': (r) => kind !== 'throttled' || String(r.body ?? '').includes('TooManyRequests'),
  });
}

export function handleSummary(data: Parameters<typeof writeSummary>[2]) {
  return writeSummary('concurrency', env.summaryOut, data);
}
