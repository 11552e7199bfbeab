/** Capture records (SageMaker's JSONL) read as observations: answers, error bodies, garbage, bad lines. */
import type { DataCaptureRecord } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { observationOf, observationsOfJsonl } from './captures.js';

const record = (
  output: unknown,
  meta: Partial<DataCaptureRecord['eventMetadata']> = {},
): DataCaptureRecord => ({
  captureData: {
    endpointOutput: {
      observedContentType: 'application/json',
      mode: 'OUTPUT',
      data: Buffer.from(typeof output === 'string' ? output : JSON.stringify(output)).toString('base64'),
      encoding: 'BASE64',
    },
  },
  eventMetadata: { eventId: 'e-1', inferenceTime: '2026-12-07T10:00:00Z', ...meta },
  eventVersion: '0',
});

const answer = (label: string, probability: number, dog?: { probability: number; isDog: boolean }) => ({
  predictions: [{ label, index: 0, probability }],
  modelVersion: 'm-1',
  timingsMs: { decode: 1, preprocess: 2, inference: 10, total: 15 },
  ...(dog ? { dog } : {}),
});

describe('observationOf', () => {
  it('reads the top-1 answer, the dog verdict, the model time, keyed by the inference id', () => {
    expect(
      observationOf(
        record(answer('beagle', 0.9, { probability: 0.97, isDog: true }), { inferenceId: 'req-7' }),
      ),
    ).toEqual({
      ok: true,
      id: 'req-7',
      inferenceId: 'req-7',
      time: '2026-12-07T10:00:00Z',
      top1: { label: 'beagle', probability: 0.9 },
      dog: { probability: 0.97, isDog: true },
      latencyMs: 15,
      modelVersion: 'm-1',
    });
  });

  it('keys a record without an inference id by its event id', () => {
    expect(observationOf(record(answer('pug', 0.5))).id).toBe('e-1');
  });

  it('an error body, garbage and a missing output are failed answers, not predictions', () => {
    const err = observationOf(record({ error: { code: 'INVALID_MODEL_OUTPUT', message: 'NaN' } }));
    expect(err).toMatchObject({ ok: false, error: 'INVALID_MODEL_OUTPUT' });
    expect(observationOf(record('not json'))).toMatchObject({
      ok: false,
      error: 'the captured output is not JSON',
    });
    expect(observationOf(record({ predictions: [] }))).toMatchObject({ ok: false });
    const noOutput = { ...record(answer('pug', 0.5)), captureData: {} };
    expect(observationOf(noOutput)).toMatchObject({ ok: false, error: 'no captured output' });
  });
});

describe('observationsOfJsonl', () => {
  it('reads every record line, skips blank ones and counts bad ones by line number', () => {
    const text = [
      JSON.stringify(record(answer('pug', 0.5))),
      '',
      '{"not":"a record"}',
      'broken {',
      JSON.stringify(record(answer('beagle', 0.8))),
    ].join('\n');
    const read = observationsOfJsonl(text);
    expect(read.observations.map((o) => (o.ok ? o.top1.label : o.error))).toEqual(['pug', 'beagle']);
    expect(read.badLines).toEqual([3, 4]);
  });
});
