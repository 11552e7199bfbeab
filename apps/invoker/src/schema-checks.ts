/**
 * Every zod schema the invoker runs, in one module that the handler imports on first need (`load-schema-checks.ts`).
 * A request that passes takes the plain checks (`event.ts`, `prediction.ts`), which accept only what these schemas
 * accept; everything else comes here, where the schema decides and words the error. Kept out of the cold start:
 * zod and the wire schemas are a quarter of the code a cold start would otherwise read and evaluate.
 */
import {
  EndpointChoice,
  HttpError,
  PredictionResponseSchema,
  type PredictionResponse,
} from '@dogbreed/platform-spec';
import * as z from 'zod';

/** The subset of a payload 2.0 event the invoker reads. */
function buildHttpEventSchema() {
  return z.object({
    version: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    queryStringParameters: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    isBase64Encoded: z.boolean().optional(),
    requestContext: z.object({
      requestId: z.string(),
      http: z.object({ method: z.string() }).optional(),
    }),
  });
}
let httpEventSchema: ReturnType<typeof buildHttpEventSchema> | undefined;
export type HttpEvent = z.infer<ReturnType<typeof buildHttpEventSchema>>;

/**
 * Built once per `maxTopK` (one value per execution environment), not per request: zod compiles an object schema
 * on its first parse.
 */
function once<T>(cache: Map<number, T>, key: number, build: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = build();
    cache.set(key, value);
  }
  return value;
}

const jsonSchemas = new Map<number, ReturnType<typeof buildJsonRequestSchema>>();
const querySchemas = new Map<number, ReturnType<typeof buildQuerySchema>>();

/** JSON request: `image` (base64) or `s3Uri`, optional `topK` and `endpoint`. Unknown keys are refused. */
export function jsonRequestSchema(maxTopK: number) {
  return once(jsonSchemas, maxTopK, () => buildJsonRequestSchema(maxTopK));
}

function buildJsonRequestSchema(maxTopK: number) {
  return z
    .strictObject({
      image: z.string().optional(),
      s3Uri: z.string().min(1).optional(),
      topK: z.number().int().min(1).max(maxTopK).optional(),
      endpoint: EndpointChoice.optional(),
    })
    .refine((r) => (r.image === undefined) !== (r.s3Uri === undefined), {
      message: 'give exactly one of "image" (base64) or "s3Uri"',
    });
}
export type JsonRequest = z.infer<ReturnType<typeof buildJsonRequestSchema>>;

/** Query parameters for a raw-image body: `?topK=3&endpoint=multi`. Unknown keys are refused. */
export function querySchema(maxTopK: number) {
  return once(querySchemas, maxTopK, () => buildQuerySchema(maxTopK));
}

function buildQuerySchema(maxTopK: number) {
  return z.strictObject({
    topK: z
      .string()
      .regex(/^[0-9]+$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().int().min(1).max(maxTopK))
      .optional(),
    endpoint: EndpointChoice.optional(),
  });
}
export type QueryOptions = z.infer<ReturnType<typeof buildQuerySchema>>;

function zodMessage(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

export function checkHttpEvent(event: unknown): HttpEvent {
  httpEventSchema ??= buildHttpEventSchema();
  const parsed = httpEventSchema.safeParse(event);
  if (!parsed.success)
    throw new HttpError('INVALID_EVENT', `Unrecognised HTTP event: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

export function checkJsonRequest(value: unknown, maxTopK: number): JsonRequest {
  const parsed = jsonRequestSchema(maxTopK).safeParse(value);
  if (!parsed.success) throw new HttpError('INVALID_REQUEST', `Invalid request: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

export function checkQuery(query: Record<string, string> | undefined, maxTopK: number): QueryOptions {
  const parsed = querySchema(maxTopK).safeParse(query ?? {});
  if (!parsed.success) throw new HttpError('INVALID_REQUEST', `Invalid query: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

/** The model server's reply, validated: a contract break is a 502, never passed on unchecked. */
export function checkPrediction(value: unknown): PredictionResponse {
  const parsed = PredictionResponseSchema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError('BAD_MODEL_RESPONSE', 'The model returned an unexpected response', {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
