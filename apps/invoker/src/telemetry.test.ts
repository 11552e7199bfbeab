/**
 * The quality signal the serving stack's quality rollback alarm reads: one `AnswerConfidence` value per answer from
 * an endpoint (top-1 probability, 0 for not-a-dog), published with the same {service, endpoint} dimensions as
 * `Requests`, and none for a request the endpoint did not answer.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { HttpError, INVOKER_METRICS, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InvocationOutcome } from './invocation.js';
import { answerConfidence, recordOutcome } from './telemetry.js';

const top = (probability: number) => [{ label: 'beagle', index: 0, probability }];
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ok = { statusCode: 200, headers: {}, body: '{}', isBase64Encoded: false } as const;

/** The EMF record `recordOutcome` prints for `outcome`. */
function emfOf(outcome: InvocationOutcome): Record<string, unknown> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  try {
    const metrics = new Metrics({
      namespace: PLATFORM_SPEC.project.name,
      serviceName: PLATFORM_SPEC.invoker.functionName,
    });
    recordOutcome(outcome, 12, { logger, metrics });
  } finally {
    spy.mockRestore();
  }
  const record = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => 'Requests' in l);
  if (!record) throw new Error(`no EMF record among ${lines.length} lines`);
  return record;
}

afterEach(() => vi.restoreAllMocks());

describe('answerConfidence', () => {
  it('is the top-1 probability of a dog', () => {
    expect(answerConfidence({ predictions: top(0.83), dog: { probability: 0.99, isDog: true } })).toBe(0.83);
    expect(answerConfidence({ predictions: top(0.31) })).toBe(0.31);
  });

  it('is 0 for a photo the model calls not a dog, however sure its breed guess', () => {
    expect(answerConfidence({ predictions: top(0.97), dog: { probability: 0.05, isDog: false } })).toBe(0);
  });
});

describe('recordOutcome: AnswerConfidence', () => {
  it('publishes one value per answer beside Requests, with the endpoint dimension', () => {
    const emf = emfOf({ result: ok, endpointName: 'ep-a', endpointMs: 5, answerConfidence: 0.42 });
    expect(emf).toMatchObject({ endpoint: 'ep-a', Requests: 1, [INVOKER_METRICS.answerConfidence]: 0.42 });
    const directive = (emf['_aws'] as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: unknown[] }[] })
      .CloudWatchMetrics[0];
    expect(directive?.Dimensions).toEqual([['service', 'endpoint']]);
    expect(directive?.Metrics).toContainEqual({ Name: INVOKER_METRICS.answerConfidence, Unit: 'None' });
  });

  it('counts a 422 NOT_A_DOG refusal as a not-a-dog answer (0)', () => {
    const error = new HttpError('NOT_A_DOG', 'not a dog');
    const emf = emfOf({ result: { ...ok, statusCode: 422 }, endpointName: 'ep-a', error });
    expect(emf[INVOKER_METRICS.answerConfidence]).toBe(0);
  });

  it('publishes none for a request the endpoint did not answer (a failure says nothing about quality)', () => {
    const error = new HttpError('MODEL_ERROR', 'failed');
    const emf = emfOf({ result: { ...ok, statusCode: 502 }, endpointName: 'ep-a', error });
    expect(emf).not.toHaveProperty(INVOKER_METRICS.answerConfidence);
  });
});
