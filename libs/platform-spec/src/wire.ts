import { z } from 'zod';

/**
 * Wire contracts shared by the model server (producer), the invoker (pass-through), the local stack's
 * dashboard and the load tests (consumers).
 */

/** JSON request body accepted by the model server and the invoker. */
export const PredictionRequestSchema = z.object({
  /** Base64-encoded JPEG, PNG or WebP. */
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
    decode: z.number().nonnegative(),
    preprocess: z.number().nonnegative(),
    inference: z.number().nonnegative(),
    total: z.number().nonnegative(),
  }),
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
export class CustomAttributesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustomAttributesError';
  }
}

/**
 * `{ topK: 5, x: 'a' }` → `topK=5;x=a`. Throws `CustomAttributesError` when a key or value is empty, has
 * surrounding spaces, contains `;`, `,` or `=` or anything but printable ASCII, or the result exceeds 1024 chars.
 */
export function formatCustomAttributes(attrs: Readonly<Record<string, string | number>>): string {
  const parts = Object.entries(attrs).map(([key, raw]) => {
    const value = String(raw);
    for (const [what, token] of [['key', key], ['value', value]] as const) {
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
    throw new CustomAttributesError(`custom attributes are ${header.length} chars; SageMaker allows ${CUSTOM_ATTRIBUTES_MAX_CHARS}`);
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
    throw new CustomAttributesError(`custom attributes are ${header.length} chars; SageMaker allows ${CUSTOM_ATTRIBUTES_MAX_CHARS}`);
  }
  if (!PRINTABLE_ASCII.test(header)) throw new CustomAttributesError('custom attributes must be printable ASCII');
  for (const part of header.split(/[;,]/)) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new CustomAttributesError(`custom attribute ${JSON.stringify(part.trim())} is not key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === '') throw new CustomAttributesError(`custom attribute ${JSON.stringify(part.trim())} has an empty key`);
    if (value.includes('=')) throw new CustomAttributesError(`custom attribute ${JSON.stringify(part.trim())} has more than one '='`);
    if (attrs.has(key)) throw new CustomAttributesError(`custom attribute ${JSON.stringify(key)} is given twice`);
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
