/**
 * Every error the invoker raises. HTTP-facing errors carry a stable `code` (a row of `ERROR_CODES` beside
 * `ErrorBodySchema`), its `statusCode`, a client-safe `message` and optional response headers (Retry-After).
 */
import { ERROR_CODES, type ErrorCode } from '@dogbreed/platform-spec';

/** Seconds a client is told to wait after a throttle or a not-ready endpoint (Retry-After). */
export const RETRY_AFTER_SECONDS = 1;

/** Base class: anything the invoker throws on purpose. */
export class InvokerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment or the platform spec is unusable: raised at init, never mapped to a response. */
export class InvokerConfigError extends InvokerError {}

export interface HttpErrorOptions extends ErrorOptions {
  /** Extra response headers, e.g. `allow`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Statuses that tell the client to come back later: their responses carry Retry-After. */
const RETRY_LATER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * An error that becomes an HTTP response `{error: {code, message, requestId}}`; the status is the code's in
 * `ERROR_CODES` (@dogbreed/platform-spec). The message is client-safe: never an upstream one (it may hold account ids).
 */
export class HttpError extends InvokerError {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: ErrorCode, message: string, options: HttpErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.headers = RETRY_LATER_STATUSES.has(this.statusCode)
      ? { 'retry-after': String(RETRY_AFTER_SECONDS) }
      : (options.headers ?? {});
  }

  toJSON(requestId?: string): { error: { code: string; message: string; requestId?: string } } {
    return { error: { code: this.code, message: this.message, ...(requestId ? { requestId } : {}) } };
  }
}

/** 405: only POST carries an image. */
export class MethodNotAllowedError extends HttpError {
  constructor(method: string) {
    super('METHOD_NOT_ALLOWED', `Method ${method} is not allowed; send the image with POST`, {
      headers: { allow: 'POST' },
    });
  }
}

/** 500: anything unexpected; the message the client sees is generic. */
export class InternalError extends HttpError {
  constructor(options?: ErrorOptions) {
    super('INTERNAL_ERROR', 'Internal error', options);
  }
}
