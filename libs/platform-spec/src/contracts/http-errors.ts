/**
 * The error codes the model server and the invoker answer with, and the one error class that carries them. Free of
 * zod on purpose: the invoker's cold start imports this and nothing from `wire.ts`, whose schemas load only when a
 * request needs one.
 */

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
