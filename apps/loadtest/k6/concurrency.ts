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
    // Lambda's throttle: x-amzn-ErrorType TooManyRequestsException and/or {"Message":"Rate Exceeded."}.
    '429 is a Lambda throttle': (r) =>
      kind !== 'throttled' ||
      /TooManyRequests/.test(r.headers['X-Amzn-Errortype'] ?? '') ||
      /Rate Exceeded|TooManyRequests/.test(String(r.body ?? '')),
  });
}

export function handleSummary(data: Parameters<typeof writeSummary>[2]) {
  return writeSummary('concurrency', env.summaryOut, data);
}
