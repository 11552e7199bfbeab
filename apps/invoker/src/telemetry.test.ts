/**
 * The quality signal the serving stack's quality rollback alarm reads: one `AnswerConfidence` value per answer from
 * an endpoint (top-1 probability, 0 for not-a-dog), published with the same {service, endpoint} dimensions as
 * `Requests`, and none for a request the endpoint did not answer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { HttpError, INVOKER_METRICS, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InvocationOutcome } from './invocation.js';
import { answerConfidence, LogLineMetrics, recordOutcome } from './telemetry.js';

const top = (probability: number) => [{ label: 'beagle', index: 0, probability }];
const ok = { statusCode: 200, headers: {}, body: '{}', isBase64Encoded: false } as const;
const service = PLATFORM_SPEC.invoker.functionName;

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: string }[];
}

/** Every write `recordOutcome` makes for `outcome` (stdout and stderr), one parsed JSON object per line. */
function linesOf(outcome: InvocationOutcome, logLevel: 'INFO' | 'WARN' = 'INFO'): Record<string, unknown>[] {
  const writes: string[] = [];
  const collect = (chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(collect),
    vi.spyOn(process.stderr, 'write').mockImplementation(collect),
  ];
  try {
    const logger = new Logger({ serviceName: service, logLevel });
    const metrics = new LogLineMetrics({ namespace: PLATFORM_SPEC.project.name, serviceName: service });
    recordOutcome(outcome, 12, { logger, metrics });
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  // One line per write: a record split over two writes would be two log events in CloudWatch.
  for (const w of writes) expect(w.trimEnd().split('\n')).toHaveLength(1);
  return writes.map((w) => JSON.parse(w) as Record<string, unknown>);
}

/** The EMF record among the lines for `outcome`. */
function emfOf(outcome: InvocationOutcome): Record<string, unknown> {
  const record = linesOf(outcome).find((l) => 'Requests' in l);
  if (!record) throw new Error('no EMF record');
  return record;
}

/** What CloudWatch requires of an EMF record: each directive's dimensions and metrics have root members. */
function expectValidEmf(record: Record<string, unknown>): EmfDirective {
  const aws = record['_aws'] as { Timestamp: number; CloudWatchMetrics: EmfDirective[] };
  expect(typeof aws.Timestamp).toBe('number');
  const directive = aws.CloudWatchMetrics[0];
  if (!directive) throw new Error('no CloudWatchMetrics directive');
  for (const key of directive.Dimensions.flat()) expect(typeof record[key]).toBe('string');
  for (const m of directive.Metrics) expect(record).toHaveProperty(m.Name);
  return directive;
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

describe('recordOutcome: one line per invocation', () => {
  const answered: InvocationOutcome = {
    result: ok,
    endpointName: 'ep-a',
    endpointMs: 5,
    answerConfidence: 0.9,
  };

  it('writes the log line and the EMF record as one line (one write to stdout)', () => {
    const lines = linesOf(answered);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'invocation',
      service,
      endpoint: 'ep-a',
      statusCode: 200,
    });
    const directive = expectValidEmf(line ?? {});
    expect(directive.Namespace).toBe(PLATFORM_SPEC.project.name);
    expect(directive.Dimensions).toEqual([['service', 'endpoint']]);
    expect(line).toMatchObject({ Requests: 1, FailedRequests: 0, Latency: 12, EndpointLatency: 5 });
  });

  it('puts the EMF record in the warning of a rejected request', () => {
    const error = new HttpError('INVALID_BASE64', 'bad');
    const lines = linesOf({ result: { ...ok, statusCode: 400 }, error });
    const rejected = lines.find((l) => l['message'] === 'invocation rejected');
    expect(rejected).toMatchObject({ level: 'WARN', code: 'INVALID_BASE64', endpoint: 'none', Requests: 1 });
    expectValidEmf(rejected ?? {});
  });

  it('puts the EMF record in the error line of a failed request; Errors keeps its own record (other dimensions)', () => {
    const error = new HttpError('MODEL_ERROR', 'failed');
    const lines = linesOf({ result: { ...ok, statusCode: 502 }, endpointName: 'ep-a', error });
    expect(lines).toHaveLength(2);
    const failed = lines.find((l) => l['message'] === 'invocation failed');
    expect(failed).toMatchObject({ level: 'ERROR', Requests: 1, FailedRequests: 1 });
    expectValidEmf(failed ?? {});
    const errors = lines.find((l) => 'Errors' in l);
    expect(errors).toMatchObject({ code: 'MODEL_ERROR', endpoint: 'ep-a', Errors: 1 });
    expect(expectValidEmf(errors ?? {}).Dimensions).toEqual([['service', 'endpoint', 'code']]);
  });

  it('still publishes the metrics, on a line of their own, when the log level hides the line', () => {
    const lines = linesOf(answered, 'WARN');
    expect(lines).toHaveLength(1);
    const [record] = lines;
    expect(record).not.toHaveProperty('message');
    expect(record).toMatchObject({ service, endpoint: 'ep-a', Requests: 1 });
    expectValidEmf(record ?? {});
  });

  it('clears the stored metrics, so the next invocation starts from none', () => {
    const logger = new Logger({ serviceName: service });
    const metrics = new LogLineMetrics({ namespace: PLATFORM_SPEC.project.name, serviceName: service });
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    recordOutcome(answered, 12, { logger, metrics });
    spy.mockRestore();
    expect(metrics.hasStoredMetrics()).toBe(false);
    expect(metrics.takeRecord()).toBeUndefined();
  });
});
