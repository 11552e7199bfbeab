/**
 * Wire contracts shared by the model server (producer), the invoker (pass-through), the local stack's
 * dashboard and the load tests (consumers).
 */
import { z } from 'zod';
import { PlatformSpecError } from '../errors.js';

/** JSON request body accepted by the model server and the invoker. */
export const PredictionRequestSchema = z.object({
  /** Base64-encoded JPEG, PNG or WebP, by the rule `decodeBase64Image` (wire-base64.ts) decodes. */
  image: z.string().min(1),
  topK: z.number().int().positive().optional(),
});
export type PredictionRequest = z.infer<typeof PredictionRequestSchema>;

export const PredictionSchema = z.object({
  label: z.string(),
  index: z.number().int().nonnegative(),
  probability: z.number().min(0).max(1),
});
export type Prediction = z.infer<typeof PredictionSchema>;

/** Model server response (`application/json`). */
export const PredictionResponseSchema = z.object({
  predictions: z.array(PredictionSchema),
  modelVersion: z.string(),
  timingsMs: z.object({
    /** Reading the image (header, decode, EXIF orientation; libvips' resize for large photos). */
    decode: z.number().nonnegative(),
    /** The exact resize, crop and normalisation; with micro-batching, of the whole batch the image was in. */
    preprocess: z.number().nonnegative(),
    /** The ONNX Runtime run (of the whole batch). */
    inference: z.number().nonnegative(),
    /** From the request's arrival to the answer: reading the body and queueing included. */
    total: z.number().nonnegative(),
  }),
  /**
   * Whether the photo shows a dog, from the model's dog output (`output.dog` in metadata.json): its probability and
   * the verdict at the spec's `modelServer.dog.threshold`. Absent when the model has no dog output.
   */
  dog: z.object({ probability: z.number().min(0).max(1), isDog: z.boolean() }).optional(),
});
export type PredictionResponse = z.infer<typeof PredictionResponseSchema>;

/** Every error body from the model server and the invoker. `code` is stable, `message` human. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().regex(/^[A-Z][A-Z0-9_]+$/),
    message: z.string(),
    requestId: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/**
 * Every error `code` the model server and the invoker answer with, its HTTP status and what it means. Clients and
 * dashboards key on the codes: never rename one; add a row for a new failure.
 */
export const ERROR_CODES = {
  // Malformed requests (400).
  EMPTY_BODY: { status: 400, meaning: 'the request body is empty' },
  EMPTY_IMAGE: { status: 400, meaning: 'the image is empty' },
  INVALID_BASE64: { status: 400, meaning: 'the image is not valid base64' },
  INVALID_CUSTOM_ATTRIBUTES: { status: 400, meaning: 'the CustomAttributes header breaks its format' },
  INVALID_EVENT: { status: 400, meaning: 'the Lambda event is not a function URL or direct-invoke event' },
  INVALID_IMAGE: { status: 400, meaning: 'the image cannot be decoded' },
  INVALID_JSON: { status: 400, meaning: 'the body is not valid JSON' },
  INVALID_REQUEST: { status: 400, meaning: 'the request or query fails its schema' },
  INVALID_S3_URI: { status: 400, meaning: 's3Uri is not an s3://bucket/key URI' },
  INVALID_TOP_K: { status: 400, meaning: 'topK is out of range' },
  MODEL_REJECTED_INPUT: { status: 400, meaning: 'the model server refused the image as a client error' },
  S3_INPUT_DISABLED: { status: 400, meaning: 's3Uri input is not enabled' },
  S3_OBJECT_NOT_FOUND: { status: 400, meaning: 'no object at the s3Uri' },
  S3_URI_NOT_ALLOWED: { status: 400, meaning: 's3Uri is outside the allowed input prefix' },
  NOT_FOUND: { status: 404, meaning: 'no such path' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'the method is not accepted on this path' },
  NOT_ACCEPTABLE: { status: 406, meaning: 'the Accept header excludes JSON' },
  // Too large, wrong type (413, 415).
  IMAGE_TOO_LARGE: { status: 413, meaning: 'the image is over the size limit' },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'the request body is over the size limit' },
  REQUEST_TOO_LARGE: { status: 413, meaning: 'the invoker request is over the size limit' },
  UNSUPPORTED_IMAGE_FORMAT: { status: 415, meaning: 'the image is not JPEG, PNG or WebP (model server)' },
  UNSUPPORTED_IMAGE_TYPE: { status: 415, meaning: 'the image is not JPEG, PNG or WebP (invoker)' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the Content-Type is not accepted' },
  // The photo is fine as an image but not what the model answers for (422).
  NOT_A_DOG: {
    status: 422,
    meaning: 'the photo does not look like a dog (modelServer.dog.policy is refuse)',
  },
  // Retry later (429, 503).
  THROTTLED: { status: 429, meaning: 'SageMaker throttled the call' },
  MODEL_BUSY: { status: 503, meaning: 'the model server refused the call as busy' },
  MODEL_NOT_READY: { status: 503, meaning: 'the model is not loaded yet' },
  QUEUE_FULL: { status: 503, meaning: 'the inference queue is full' },
  SERVICE_UNAVAILABLE: { status: 503, meaning: 'the endpoint or SageMaker is unavailable' },
  SHUTTING_DOWN: { status: 503, meaning: 'the server is draining before it stops' },
  // Server-side failures (500, 502, 504).
  INFERENCE_FAILED: { status: 500, meaning: 'ONNX Runtime failed on the batch' },
  INVALID_MODEL_OUTPUT: {
    status: 500,
    meaning:
      "the model's output is not a probability distribution over its classes (non-finite, wrong length)",
  },
  INTERNAL_ERROR: { status: 500, meaning: 'anything unexpected' },
  BAD_MODEL_RESPONSE: { status: 502, meaning: 'the model answered something that is not a prediction' },
  ENDPOINT_FAILURE: { status: 502, meaning: 'the endpoint failed to process the call' },
  ENDPOINT_REJECTED: { status: 502, meaning: 'the endpoint rejected the call (misconfigured or missing)' },
  MODEL_ERROR: { status: 502, meaning: 'the model server failed' },
  S3_READ_FAILED: { status: 502, meaning: 'the s3Uri object could not be read' },
  ENDPOINT_TIMEOUT: { status: 504, meaning: 'the endpoint did not answer within the time budget' },
} as const satisfies Record<string, { readonly status: number; readonly meaning: string }>;
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An error answered to the client as `ErrorBodySchema`, thrown by the model server and the invoker alike: the status
 * is the code's row in `ERROR_CODES`, so that a code can never travel with another status. The message is what the
 * client reads: client-safe, never an upstream message. Apps subclass it only to add fields (the invoker's `allow`).
 */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
  }

  /** The wire body; `requestId` is left out when there is none. */
  toJSON(requestId?: string): { error: { code: ErrorCode; message: string; requestId?: string } } {
    return { error: { code: this.code, message: this.message, ...(requestId ? { requestId } : {}) } };
  }
}

/** Which endpoint a client asks the invoker for. */
export const EndpointChoice = z.enum(['single', 'multi']);
export type EndpointChoice = z.infer<typeof EndpointChoice>;

/**
 * SageMaker `CustomAttributes`: the invoker sends the image as the raw InvokeEndpoint body and puts request options
 * (today `topK`) in this header, which SageMaker forwards to the container unchanged. SageMaker allows at most
 * 1024 printable ASCII characters. Format: `key=value` entries joined by `;` (e.g. `topK=5`).
 */
export const CUSTOM_ATTRIBUTES_HEADER = 'X-Amzn-SageMaker-Custom-Attributes';
/** SageMaker's limit on the header value. */
export const CUSTOM_ATTRIBUTES_MAX_CHARS = 1024;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** A custom-attributes header (or the attributes to format into one) breaks the format above. */
export class CustomAttributesError extends PlatformSpecError {}

/**
 * `{ topK: 5, x: 'a' }` → `topK=5;x=a`. Throws `CustomAttributesError` when a key or value is empty, has
 * surrounding spaces, contains `;`, `,` or `=` or anything but printable ASCII, or the result exceeds 1024 chars.
 */
export function formatCustomAttributes(attrs: Readonly<Record<string, string | number>>): string {
  const parts = Object.entries(attrs).map(([key, raw]) => {
    const value = String(raw);
    for (const [what, token] of [
      ['key', key],
      ['value', value],
    ] as const) {
      if (token === '' || token.trim() !== token || !PRINTABLE_ASCII.test(token) || /[;,=]/.test(token)) {
        throw new CustomAttributesError(
          `custom attribute ${what} ${JSON.stringify(token)} must be non-empty printable ASCII without ';', ',', '=' or surrounding spaces`,
        );
      }
    }
    return `${key}=${value}`;
  });
  const header = parts.join(';');
  if (header.length > CUSTOM_ATTRIBUTES_MAX_CHARS) {
    throw new CustomAttributesError(
      `custom attributes are ${header.length} chars; SageMaker allows ${CUSTOM_ATTRIBUTES_MAX_CHARS}`,
    );
  }
  return header;
}

/**
 * Parses a custom-attributes header into `{ key: value }` (keys and values trimmed). Parts are separated by `;` or
 * `,` (Node joins a repeated header with `, `); empty parts are ignored, so `undefined` and `''` give `{}`.
 * Callers read the keys they know and ignore the others.
 *
 * Throws `CustomAttributesError` (never returns a partial result) when the header is over 1024 chars or has a
 * character outside printable ASCII, or when a part has no `=`, an empty key, or a key given twice.
 * An empty value (`topK=`) is returned as `''`; judging values is the caller's job.
 */
export function parseCustomAttributes(header: string | undefined): Record<string, string> {
  const attrs = new Map<string, string>();
  if (header === undefined) return {};
  if (header.length > CUSTOM_ATTRIBUTES_MAX_CHARS) {
    throw new CustomAttributesError(
      `custom attributes are ${header.length} chars; SageMaker allows ${CUSTOM_ATTRIBUTES_MAX_CHARS}`,
    );
  }
  if (!PRINTABLE_ASCII.test(header))
    throw new CustomAttributesError('custom attributes must be printable ASCII');
  for (const part of header.split(/[;,]/)) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0)
      throw new CustomAttributesError(`custom attribute ${JSON.stringify(part.trim())} is not key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === '')
      throw new CustomAttributesError(`custom attribute ${JSON.stringify(part.trim())} has an empty key`);
    if (value.includes('='))
      throw new CustomAttributesError(
        `custom attribute ${JSON.stringify(part.trim())} has more than one '='`,
      );
    if (attrs.has(key))
      throw new CustomAttributesError(`custom attribute ${JSON.stringify(key)} is given twice`);
    attrs.set(key, value);
  }
  return Object.fromEntries(attrs);
}

/*
 * Limits AWS services enforce at their own front doors. They are the services' documented numbers, not settings of
 * this project, so they are constants rather than spec fields; the local stack enforces exactly these (sources in
 * apps/local-stack/README.md).
 */
const MIB = 1024 * 1024;

/** SageMaker Runtime InvokeEndpoint (real-time endpoints), API reference and quotas page. */
export const SAGEMAKER_RUNTIME_LIMITS = {
  /** Request payload: 6 MB. */
  maxPayloadBytes: 6 * MIB,
  /** `X-Amzn-SageMaker-Custom-Attributes`: at most 1,024 characters of ASCII (`\p{ASCII}*`). */
  maxCustomAttributesChars: CUSTOM_ATTRIBUTES_MAX_CHARS,
  /** `Content-Type` and `Accept`: at most 1,024 characters of ASCII each. */
  maxContentTypeChars: 1024,
  maxAcceptChars: 1024,
} as const;

/** Lambda Invoke. */
export const LAMBDA_LIMITS = {
  /** `X-Amz-Log-Type: Tail` returns the last 4 KB of the execution log, base64, in `X-Amz-Log-Result`. */
  logResultTailBytes: 4096,
} as const;

/**
 * How much of an oversized request body the local stack reads and drops before it answers 413/400: a client such
 * as Python's urllib sends the whole body before it reads the answer, so cutting the connection early would show
 * it a reset instead of the error. Past this many bytes the connection is cut.
 */
export const OVERSIZE_BODY_MAX_DISCARD_BYTES = 64 * MIB;
