/** HTTP helpers of the local stack's server: the AWS response shapes and header access. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsApiError } from './errors.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** An AWS error in its restJson1 shape: status, `x-amzn-errortype`, JSON body. */
export function sendAwsError(res: ServerResponse, err: AwsApiError, requestId: string): void {
  sendJson(res, err.statusCode, err.toJSON(), {
    'x-amzn-errortype': err.errorType,
    'x-amzn-requestid': requestId,
  });
}

/** First value of a header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
