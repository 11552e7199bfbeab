/** Anything thrown while serving a request → the status, the wire error body and how loudly to log it. */
import { HttpError, type ErrorBody } from '@dogbreed/platform-spec';

export interface ErrorResponse {
  readonly statusCode: number;
  readonly body: ErrorBody;
  /** 4xx: the client's doing (info); 503 back-pressure/readiness: warn; other 5xx: error. */
  readonly logLevel: 'info' | 'warn' | 'error';
}

/**
 * Maps anything thrown while serving a request to the wire error body. HttpErrors keep their code and message;
 * anything else becomes 500 INTERNAL_ERROR without leaking internals (the caller logs the original).
 */
export function toErrorResponse(err: unknown, requestId?: string): ErrorResponse {
  const e =
    err instanceof HttpError
      ? err
      : new HttpError('INTERNAL_ERROR', 'internal error; see the server log for this request id');
  const logLevel = e.statusCode < 500 ? 'info' : e.statusCode === 503 ? 'warn' : 'error';
  return { statusCode: e.statusCode, body: e.toJSON(requestId), logLevel };
}
