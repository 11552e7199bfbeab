import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/** Past the cap, the rest of an oversized body is drained (not buffered) up to this many caps, then the socket is cut. */
const DISCARD_CAPS = 8;

/**
 * Reads a request body into one Buffer, refusing more than `maxBytes` with 413 PAYLOAD_TOO_LARGE: without buffering
 * anything when Content-Length says so, else as soon as the running total passes the cap. The rejection comes
 * once the rest has been drained, so the client reads the 413 on a live connection instead of a reset.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () =>
    new HttpError('PAYLOAD_TOO_LARGE', `request body exceeds the ${maxBytes}-byte limit of this endpoint`);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return drainBody(req, maxBytes).then(() => Promise.reject(tooLarge()));
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
        void drainBody(req, maxBytes).then(() => reject(tooLarge()));
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

/**
 * Reads and drops the rest of a body the server will not use (answered early: 413, 415, 503...), so the client
 * can finish sending and read the answer. Resolves when the body has ended or the connection is gone; a client
 * that sends more than DISCARD_CAPS × the cap is cut off.
 */
export function drainBody(req: IncomingMessage, maxBytes: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let dropped = 0;
    const done = () => {
      req.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DISCARD_CAPS * maxBytes) {
        req.socket.destroy();
        done();
      }
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}
