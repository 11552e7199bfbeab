/**
 * Reads request bodies up to a limit, and answers oversized ones only after draining them: a server that replies
 * while the client is still sending, then closes, leaves clients that send the whole body first (Python's urllib)
 * with a connection reset instead of the error.
 */
import type { IncomingMessage } from 'node:http';

export interface ReadBodyOptions {
  /** Largest body accepted. */
  readonly limit: number;
  /** How much of an oversized body is read and dropped before the error is raised; past it the socket is cut. */
  readonly maxDiscardBytes: number;
  /** The error an oversized body gets (raised once the rest of the body has been drained). */
  readonly tooLarge: () => Error;
}

/**
 * Reads a request body up to `limit` bytes. An oversized one (by Content-Length, or once the running total passes
 * the limit) is drained without buffering, and only then rejected with `tooLarge()`: clients that send the whole
 * body before reading (Python's urllib, curl without Expect) then read the error instead of a connection reset.
 */
export function readBody(req: IncomingMessage, o: ReadBodyOptions): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > o.limit) {
    return drainBody(req, o.maxDiscardBytes).then(() => Promise.reject(o.tooLarge()));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > o.limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        void drainBody(req, o.maxDiscardBytes).then(() => reject(o.tooLarge()));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}

/**
 * Reads and drops the rest of a body that will not be used. Resolves when the body has ended or the connection
 * is gone; a client that sends more than `maxDiscardBytes` is cut off (its socket destroyed).
 */
export function drainBody(req: IncomingMessage, maxDiscardBytes: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let dropped = 0;
    const done = () => {
      req.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > maxDiscardBytes) {
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
