import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from './body.js';

class TooLarge extends Error {}

function fakeRequest(headers: Record<string, string> = {}) {
  const stream = new PassThrough();
  const socket = new Socket();
  Object.assign(stream, { headers, socket, complete: false });
  stream.on('end', () => Object.assign(stream, { complete: true }));
  return { req: stream as unknown as IncomingMessage, stream, socket };
}

const opts = { limit: 10, maxDiscardBytes: 100, tooLarge: () => new TooLarge('too large') };

describe('readBody', () => {
  it('returns the whole body under the limit', async () => {
    const { req, stream } = fakeRequest();
    const p = readBody(req, opts);
    stream.write(Buffer.from('abc'));
    stream.end(Buffer.from('def'));
    expect((await p).toString()).toBe('abcdef');
  });

  it('rejects an oversized streamed body only after the client has sent all of it', async () => {
    const { req, stream } = fakeRequest();
    let settled = false;
    const p = readBody(req, opts).finally(() => (settled = true));
    stream.write(Buffer.alloc(8));
    stream.write(Buffer.alloc(8)); // past the limit: the rest is drained, the answer waits for the end
    stream.write(Buffer.alloc(8));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    stream.end(Buffer.alloc(8));
    await expect(p).rejects.toBeInstanceOf(TooLarge);
  });

  it('drains a body whose Content-Length is over the limit without buffering it', async () => {
    const { req, stream } = fakeRequest({ 'content-length': '40' });
    const p = readBody(req, opts);
    stream.end(Buffer.alloc(40));
    await expect(p).rejects.toBeInstanceOf(TooLarge);
    expect(stream.readableEnded).toBe(true);
  });

  it('cuts the connection of a client that sends more than maxDiscardBytes', async () => {
    const { req, stream, socket } = fakeRequest();
    const p = readBody(req, opts);
    for (let i = 0; i < 20; i++) stream.write(Buffer.alloc(10));
    await expect(p).rejects.toBeInstanceOf(TooLarge);
    expect(socket.destroyed).toBe(true);
  });
});
