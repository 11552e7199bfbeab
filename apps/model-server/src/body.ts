import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/** Past the cap, the rest of an oversized body is discarded (not buffered) up to this many caps, then the socket is cut. */
const DISCARD_CAPS = 8;

/**
 * Reads a request body into one Buffer, refusing more than `maxBytes` with 413 PAYLOAD_TOO_LARGE: at once when
 * Content-Length says so (nothing is read), else as soon as the running total passes the cap. The remainder is
 * drained without buffering so the client can read the 413 before the connection closes.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () =>
    new HttpError('PAYLOAD_TOO_LARGE', `request body exceeds the ${maxBytes}-byte limit of this endpoint`);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(req, maxBytes);
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        discard(req, maxBytes);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, total));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}

function discard(req: IncomingMessage, maxBytes: number): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_CAPS * maxBytes) req.socket.destroy();
  });
  req.resume();
}
