/**
 * Every error the invoker raises. HTTP-facing errors carry `statusCode`, a stable `code` (the `code` of
 * `ErrorBodySchema`), a client-safe `message` and optional response headers (Retry-After).
 */

/** Seconds a client is told to wait after a throttle or a not-ready endpoint (Retry-After). */
export const RETRY_AFTER_SECONDS = 1;

/** Base class: anything the invoker throws on purpose. */
export class InvokerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvokerError';
  }
}

/** The environment or the platform spec is unusable: raised at init, never mapped to a response. */
export class InvokerConfigError extends InvokerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvokerConfigError';
  }
}

export interface HttpErrorOptions extends ErrorOptions {
  /** Extra response headers, e.g. `retry-after`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** An error that becomes an HTTP response `{error: {code, message, requestId}}` with `statusCode`. */
export class HttpError extends InvokerError {
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(statusCode: number, code: string, message: string, options: HttpErrorOptions = {}) {
    super(message, options);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = options.headers ?? {};
  }

  toJSON(requestId?: string): { error: { code: string; message: string; requestId?: string } } {
    return { error: { code: this.code, message: this.message, ...(requestId ? { requestId } : {}) } };
  }
}

/** 400: the request is malformed (bad JSON, bad base64, topK out of range, s3Uri not allowed...). */
export class BadRequestError extends HttpError {
  constructor(code: string, message: string, options?: HttpErrorOptions) {
    super(400, code, message, options);
    this.name = 'BadRequestError';
  }
}

/** 405: only POST carries an image. */
export class MethodNotAllowedError extends HttpError {
  constructor(method: string) {
    super(405, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed; send the image with POST`, {
      headers: { allow: 'POST' },
    });
    this.name = 'MethodNotAllowedError';
  }
}

/** 413: request or image over the configured limit. */
export class PayloadTooLargeError extends HttpError {
  constructor(code: string, message: string, options?: HttpErrorOptions) {
    super(413, code, message, options);
    this.name = 'PayloadTooLargeError';
  }
}

/** 415: content type or image format not accepted. */
export class UnsupportedMediaTypeError extends HttpError {
  constructor(code: string, message: string, options?: HttpErrorOptions) {
    super(415, code, message, options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

const retryAfter = { 'retry-after': String(RETRY_AFTER_SECONDS) };

/** 429: SageMaker throttled the call (after the SDK's retries). */
export class ThrottledError extends HttpError {
  constructor(message: string, options?: ErrorOptions) {
    super(429, 'THROTTLED', message, { ...options, headers: retryAfter });
    this.name = 'ThrottledError';
  }
}

/** 503: the endpoint or SageMaker is temporarily unavailable; retry later. */
export class ServiceUnavailableError extends HttpError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(503, code, message, { ...options, headers: retryAfter });
    this.name = 'ServiceUnavailableError';
  }
}

/** 502: the endpoint or the model failed; the upstream message is never passed on (it may hold account ids). */
export class BadGatewayError extends HttpError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(502, code, message, options);
    this.name = 'BadGatewayError';
  }
}

/** 504: the endpoint did not answer within the time budget. */
export class GatewayTimeoutError extends HttpError {
  constructor(message: string, options?: ErrorOptions) {
    super(504, 'ENDPOINT_TIMEOUT', message, options);
    this.name = 'GatewayTimeoutError';
  }
}

/** 500: anything unexpected; the message the client sees is generic. */
export class InternalError extends HttpError {
  constructor(options?: ErrorOptions) {
    super(500, 'INTERNAL_ERROR', 'Internal error', options);
    this.name = 'InternalError';
  }
}
