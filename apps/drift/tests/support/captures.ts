/** Capture records as the local stack and SageMaker write them, for tests: one answer per record. */
import type { DataCaptureRecord } from '@dogbreed/platform-spec';

let seq = 0;

/** One capture record of a prediction answer at `at`. */
export function answerRecord(
  label: string,
  probability: number,
  at: Date,
  isDog?: boolean,
): DataCaptureRecord {
  seq += 1;
  const body = {
    predictions: [{ label, index: 0, probability }],
    modelVersion: 'm-1',
    timingsMs: { decode: 1, preprocess: 1, inference: 5, total: 8 },
    ...(isDog === undefined ? {} : { dog: { probability: isDog ? 0.9 : 0.1, isDog } }),
  };
  return {
    captureData: {
      endpointOutput: {
        observedContentType: 'application/json',
        mode: 'OUTPUT',
        data: Buffer.from(JSON.stringify(body)).toString('base64'),
        encoding: 'BASE64',
      },
    },
    eventMetadata: { eventId: `e-${seq}`, inferenceTime: at.toISOString() },
    eventVersion: '0',
  };
}

/** `count` records of `label`, one a second from `start`. */
export function records(
  count: number,
  label: string,
  p: number,
  start: Date,
  isDog?: boolean,
): DataCaptureRecord[] {
  return Array.from({ length: count }, (_, i) =>
    answerRecord(label, p, new Date(start.getTime() + i * 1000), isDog),
  );
}

export const jsonl = (rs: readonly DataCaptureRecord[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';
