import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Headers a caller (SageMaker runtime, the local stack's router, a client) may carry its request id in, in order. */
export const INBOUND_REQUEST_ID_HEADERS = [
  'x-amzn-sagemaker-request-id',
  'x-amzn-sagemaker-inference-id',
  'x-amzn-requestid',
  'x-request-id',
] as const;
/** The response header that echoes the request id. */
export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_ID = /^[\w.:/+=@-]{1,128}$/;

/** The caller's request id when it is present and safe to log and echo; otherwise a fresh UUID. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  for (const name of INBOUND_REQUEST_ID_HEADERS) {
    const v = headers[name];
    const id = Array.isArray(v) ? v[0] : v;
    if (id && SAFE_ID.test(id)) return id;
  }
  return randomUUID();
}
