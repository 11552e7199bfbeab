/**
 * The model server's replies checked without zod: zod and the wire schemas load only when one of these is unsure
 * (see `load-schema-checks.ts`), so a cold start does not read them. `plainPrediction` only ever accepts what
 * `PredictionResponseSchema` accepts, returning the same object the schema would (known keys only, in the schema's
 * order); anything else returns undefined, and the caller lets the schema decide and explain. `plainErrorBody`
 * decides alone, exactly as `ErrorBodySchema` would: an error body that fails is only ever ignored, so there is
 * nothing for a schema to explain. `prediction.test.ts` holds both to their schemas, field by field.
 */
import type { ErrorBody, Prediction, PredictionResponse } from '@dogbreed/platform-spec';

/** The keys of each object in the reply, in `PredictionResponseSchema`'s order (the test compares them). */
export const PREDICTION_RESPONSE_KEYS = {
  response: ['predictions', 'modelVersion', 'timingsMs', 'dog'],
  prediction: ['label', 'index', 'probability'],
  timingsMs: ['decode', 'preprocess', 'inference', 'total'],
  dog: ['probability', 'isDog'],
} as const;

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
// zod's z.number() refuses NaN and ±Infinity, so every number check starts with isFinite.
const isProbability = (v: unknown): v is number =>
  Number.isFinite(v) && (v as number) >= 0 && (v as number) <= 1;
const isDuration = (v: unknown): v is number => Number.isFinite(v) && (v as number) >= 0;

function plainItem(v: unknown): Prediction | undefined {
  if (!isObject(v)) return undefined;
  const { label, index, probability } = v;
  if (typeof label !== 'string' || !Number.isSafeInteger(index) || (index as number) < 0) return undefined;
  if (!isProbability(probability)) return undefined;
  return { label, index: index as number, probability };
}

/** The reply as `PredictionResponseSchema.parse` would return it, or undefined when unsure. */
export function plainPrediction(value: unknown): PredictionResponse | undefined {
  if (!isObject(value) || !Array.isArray(value['predictions'])) return undefined;
  const { modelVersion, timingsMs: t, dog } = value;
  if (typeof modelVersion !== 'string' || !isObject(t)) return undefined;
  if (!isDuration(t['decode']) || !isDuration(t['preprocess'])) return undefined;
  if (!isDuration(t['inference']) || !isDuration(t['total'])) return undefined;
  if (
    dog !== undefined &&
    !(isObject(dog) && isProbability(dog['probability']) && typeof dog['isDog'] === 'boolean')
  )
    return undefined;
  const predictions: Prediction[] = [];
  for (const item of value['predictions'] as unknown[]) {
    const p = plainItem(item);
    if (!p) return undefined;
    predictions.push(p);
  }
  return {
    predictions,
    modelVersion,
    timingsMs: {
      decode: t['decode'],
      preprocess: t['preprocess'],
      inference: t['inference'],
      total: t['total'],
    },
    ...(isObject(dog)
      ? { dog: { probability: dog['probability'] as number, isDog: dog['isDog'] as boolean } }
      : {}),
  };
}

/** The keys of an error body, in `ErrorBodySchema`'s order (the test compares them). */
export const ERROR_BODY_KEYS = { body: ['error'], error: ['code', 'message', 'requestId'] } as const;

/** `ErrorBodySchema.safeParse(value)`'s data, or undefined where it fails. */
export function plainErrorBody(value: unknown): ErrorBody | undefined {
  if (!isObject(value) || !isObject(value['error'])) return undefined;
  const { code, message, requestId } = value['error'];
  if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code) || typeof message !== 'string')
    return undefined;
  if (requestId !== undefined && typeof requestId !== 'string') return undefined;
  return { error: { code, message, ...(requestId !== undefined ? { requestId } : {}) } };
}
