/**
 * What one captured request says about the model's answer: SageMaker's data-capture records (the same JSONL on S3 and
 * in the local stack's capture folder) turned into observations the shadow verdict and the drift run compare. The
 * request's image is not read; only the answer (`endpointOutput`, a `PredictionResponse`) and the record's metadata.
 */
import {
  capturedBytes,
  DataCaptureRecordSchema,
  PredictionResponseSchema,
  type DataCaptureRecord,
} from '@dogbreed/platform-spec';

/** One captured answer. `ok: false`: the output was missing or not a prediction (an error body, garbage). */
export type CaptureObservation =
  | {
      readonly ok: true;
      /** The request's `InferenceId` when the caller set one (the pairing key of a shadow), else the event id. */
      readonly id: string;
      readonly inferenceId?: string;
      readonly time: string;
      readonly top1: { readonly label: string; readonly probability: number };
      /** Present when the model has a dog output. */
      readonly dog?: { readonly probability: number; readonly isDog: boolean };
      /** The model server's own time for the request (`timingsMs.total`). */
      readonly latencyMs: number;
      readonly modelVersion: string;
    }
  | {
      readonly ok: false;
      readonly id: string;
      readonly inferenceId?: string;
      readonly time: string;
      readonly error: string;
    };

/** The observation of one capture record. */
export function observationOf(record: DataCaptureRecord): CaptureObservation {
  const { eventId, inferenceId, inferenceTime } = record.eventMetadata;
  const base = { id: inferenceId ?? eventId, ...(inferenceId ? { inferenceId } : {}), time: inferenceTime };
  const output = record.captureData.endpointOutput;
  if (!output) return { ...base, ok: false, error: 'no captured output' };
  let body: unknown;
  try {
    body = JSON.parse(capturedBytes(output).toString('utf8'));
  } catch {
    return { ...base, ok: false, error: 'the captured output is not JSON' };
  }
  const parsed = PredictionResponseSchema.safeParse(body);
  const top1 = parsed.success ? parsed.data.predictions[0] : undefined;
  if (!parsed.success || !top1) {
    const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
    return {
      ...base,
      ok: false,
      error: typeof code === 'string' ? code : 'the captured output is not a prediction',
    };
  }
  return {
    ...base,
    ok: true,
    top1: { label: top1.label, probability: top1.probability },
    ...(parsed.data.dog ? { dog: parsed.data.dog } : {}),
    latencyMs: parsed.data.timingsMs.total,
    modelVersion: parsed.data.modelVersion,
  };
}

/** A capture file's lines that do not parse as capture records: their line numbers, so a reader can say so. */
export interface CaptureLines {
  readonly observations: CaptureObservation[];
  readonly badLines: number[];
}

/** The observations of a `.jsonl` capture file's text (blank lines skipped, bad ones counted, never thrown). */
export function observationsOfJsonl(text: string): CaptureLines {
  const observations: CaptureObservation[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      badLines.push(i + 1);
      return;
    }
    const record = DataCaptureRecordSchema.safeParse(json);
    if (record.success) observations.push(observationOf(record.data));
    else badLines.push(i + 1);
  });
  return { observations, badLines };
}
