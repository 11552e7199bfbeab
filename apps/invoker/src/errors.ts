/**
 * Every error the invoker raises. HTTP-facing errors are `HttpError` (@dogbreed/platform-spec, beside `ERROR_CODES`):
 * a stable `code`, its `statusCode` and a client-safe `message`; the response headers an error adds (Retry-After,
 * Allow) are worked out here, because they are the invoker's and not the wire contract's.
 */
import { HttpError } from '@dogbreed/platform-spec';

/** Seconds a client is told to wait after a throttle or a not-ready endpoint (Retry-After). */
export const RETRY_AFTER_SECONDS = 1;

/** Base class: anything the invoker throws on purpose that is not an HTTP answer. */
export class InvokerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment or the platform spec is unusable: raised at init, never mapped to a response. */
export class InvokerConfigError extends InvokerError {}

/** Statuses that tell the client to come back later: their responses carry Retry-After. */
const RETRY_LATER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** 405: only POST carries an image. */
export class MethodNotAllowedError extends HttpError {
  /** The methods to name in the `allow` response header. */
  readonly allow = 'POST';
  constructor(method: string) {
    super('METHOD_NOT_ALLOWED', `Method ${method} is not allowed; send the image with POST`);
  }
}

/** 500: anything unexpected; the message the client sees is generic. */
export class InternalError extends HttpError {
  constructor(options?: ErrorOptions) {
    super('INTERNAL_ERROR', 'Internal error', options);
  }
}

/** The response headers an error answer carries besides content type and request id: Retry-After or Allow. */
export function errorHeaders(error: HttpError): Readonly<Record<string, string>> {
  if (RETRY_LATER_STATUSES.has(error.statusCode)) return { 'retry-after': String(RETRY_AFTER_SECONDS) };
  return error instanceof MethodNotAllowedError ? { allow: error.allow } : {};
}
