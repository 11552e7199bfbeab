import type { HttpError, PredictionResponse } from '@dogbreed/platform-spec';
import { errorHeaders } from './errors.js';

/**
 * The result the handler returns, for every event kind: the function URL / HTTP API response structure.
 * Direct invokes get the same object (status in `statusCode`, JSON text in `body`), so every caller parses one shape.
 */
export interface InvokerResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded: false;
}

/** Success body: the model server's `PredictionResponseSchema` JSON plus the endpoint name used. */
export type InvokerSuccessBody = PredictionResponse & { endpoint: string };

export function successResult(
  prediction: PredictionResponse,
  endpointName: string,
  requestId: string,
  variant: string | undefined,
): InvokerResult {
  const body: InvokerSuccessBody = { ...prediction, endpoint: endpointName };
  return {
    statusCode: 200,
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...(variant ? { 'x-invoked-production-variant': variant } : {}),
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** Error body: `ErrorBodySchema` `{error: {code, message, requestId}}`. */
export function errorResult(error: HttpError, requestId: string): InvokerResult {
  return {
    statusCode: error.statusCode,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...errorHeaders(error) },
    body: JSON.stringify(error.toJSON(requestId)),
    isBase64Encoded: false,
  };
}
