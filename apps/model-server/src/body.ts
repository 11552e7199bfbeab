/**
 * The model server's body limits on top of the shared bounded reader: over `maxBytes` a request gets 413
 * PAYLOAD_TOO_LARGE once its body has been drained (up to DISCARD_CAPS × the cap, then the socket is cut).
 */
import type { IncomingMessage } from 'node:http';
import { drainBody as drainAtMost, readBody as readBounded } from '@dogbreed/http-body';
import { HttpError } from '@dogbreed/platform-spec';

/** Past the cap, the rest of an oversized body is drained (not buffered) up to this many caps, then the socket is cut. */
const DISCARD_CAPS = 8;

/** The request body as one Buffer, or 413 PAYLOAD_TOO_LARGE (by Content-Length, or once the total passes the cap). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return readBounded(req, {
    limit: maxBytes,
    maxDiscardBytes: DISCARD_CAPS * maxBytes,
    tooLarge: () =>
      new HttpError('PAYLOAD_TOO_LARGE', `request body exceeds the ${maxBytes}-byte limit of this endpoint`),
  });
}

/** Reads and drops the body of a request answered early (413, 415, 503...), so the client can read the answer. */
export function drainBody(req: IncomingMessage, maxBytes: number): Promise<void> {
  return drainAtMost(req, DISCARD_CAPS * maxBytes);
}
