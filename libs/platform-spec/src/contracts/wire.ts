/**
 * Wire contracts shared by the model server (producer), the invoker (pass-through), the local stack's
 * dashboard and the load tests (consumers): the zod schemas of the bodies, and the limits of AWS's front doors. The
 * error codes (`http-errors.ts`), the custom-attributes header (`custom-attributes.ts`) and the endpoint choices
 * (`endpoint-choice.ts`) live apart, free of zod, for the invoker's cold start.
 */
import { z } from 'zod';
import { CUSTOM_ATTRIBUTES_MAX_CHARS } from './custom-attributes.js';
import { ENDPOINT_CHOICES } from './endpoint-choice.js';

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

/** Which endpoint a client asks the invoker for. */
export const EndpointChoice = z.enum(ENDPOINT_CHOICES);
export type EndpointChoice = z.infer<typeof EndpointChoice>;

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
