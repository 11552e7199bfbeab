import { check } from 'k6';
import { optionsFor, env } from './lib/options.ts';
import { writeSummary } from './lib/summary.ts';
import { Target, classify } from './lib/target.ts';

/** Smoke: a few requests through the endpoint and the function URL; all must be 200 with predictions. */
export const options = optionsFor('smoke');

const image = open(env.payloadPath, 'b');
const target = new Target(env, image);

export function setup(): void {
  target.healthCheck();
}

function hasPredictions(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    const json = JSON.parse(body) as { predictions?: unknown; modelVersion?: unknown };
    return (
      Array.isArray(json.predictions) && json.predictions.length > 0 && typeof json.modelVersion === 'string'
    );
  } catch {
    return false;
  }
}

export default function (): void {
  const viaEndpoint = target.invokeEndpoint();
  classify(viaEndpoint);
  check(viaEndpoint, {
    'endpoint: 200': (r) => r.status === 200,
    'endpoint: predictions': (r) => hasPredictions(r.body),
  });
  const viaUrl = target.invokeFunctionUrl();
  classify(viaUrl);
  check(viaUrl, {
    'function URL: 200': (r) => r.status === 200,
    'function URL: predictions': (r) => hasPredictions(r.body),
  });
}

export function handleSummary(data: Parameters<typeof writeSummary>[2]) {
  return writeSummary('smoke', env.summaryOut, data);
}
