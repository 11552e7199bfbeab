/**
 * Every error the model server raises. HTTP-facing errors carry a stable UPPER_SNAKE `code` and a `statusCode`;
 * `toJSON()` gives the wire body (ErrorBodySchema in @dogbreed/platform-spec).
 */

export class ModelServerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelServerError';
  }
}

/** The server cannot start: bad environment, bad spec, bad model dir. The process exits non-zero. */
export class StartupError extends ModelServerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Stable error codes on the wire. Clients and dashboards key on these; never rename one. */
export const ERROR_CODES = {
  EMPTY_BODY: 400,
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  INVALID_BASE64: 400,
  INVALID_TOP_K: 400,
  INVALID_CUSTOM_ATTRIBUTES: 400,
  INVALID_IMAGE: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  PAYLOAD_TOO_LARGE: 413,
  IMAGE_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_IMAGE_FORMAT: 415,
  INFERENCE_FAILED: 500,
  INTERNAL_ERROR: 500,
  MODEL_NOT_READY: 503,
  QUEUE_FULL: 503,
  SHUTTING_DOWN: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error answered to the client with `statusCode` and `{ error: { code, message, requestId } }`. */
export class HttpError extends ModelServerError {
  readonly code: ErrorCode;
  readonly statusCode: number;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HttpError';
    this.code = code;
    this.statusCode = ERROR_CODES[code];
  }

  toJSON(requestId?: string): { error: { code: ErrorCode; message: string; requestId?: string } } {
    return { error: { code: this.code, message: this.message, ...(requestId ? { requestId } : {}) } };
  }
}

/** ONNX Runtime failed on a batch (the worker reported an error or died). Answered as 500 INFERENCE_FAILED. */
export class InferenceError extends HttpError {
  constructor(message: string, options?: ErrorOptions) {
    super('INFERENCE_FAILED', message, options);
    this.name = 'InferenceError';
  }
}
