import { check } from 'k6';
import { optionsFor, env } from './lib/options.ts';
import { writeSummary } from './lib/summary.ts';
import { Target, classify } from './lib/target.ts';

/**
 * Autoscale: ramping arrival rate above what maxInstances absorb at the target value, hold, then a trickle so
 * the scale-in alarm has datapoints. Locally straight to the endpoint (the Lambda's reserved concurrency must not
 * cap the offered load); on AWS through the function URL unless AUTOSCALE_VIA=endpoint.
 */
export const options = optionsFor('autoscale');

const image = open(env.payloadPath, 'b');
const target = new Target(env, image);
const via = __ENV['AUTOSCALE_VIA'] ?? (env.mode === 'aws' ? 'function-url' : 'endpoint');

export function setup(): void {
  target.healthCheck();
}

export default function (): void {
  const res = via === 'endpoint' ? target.invokeEndpoint() : target.invokeFunctionUrl();
  classify(res);
  check(res, { 'status 200': (r) => r.status === 200 });
}

export function handleSummary(data: Parameters<typeof writeSummary>[2]) {
  return writeSummary('autoscale', env.summaryOut, data);
}
