import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from './body.js';
import { HttpError } from '@dogbreed/platform-spec';

function fakeRequest(headers: Record<string, string> = {}) {
  const stream = new PassThrough();
  const socket = new Socket();
  Object.assign(stream, { headers, socket });
  return { req: stream as unknown as IncomingMessage, stream, socket };
}

describe('readBody', () => {
  it('returns the whole body under the cap', async () => {
    const { req, stream } = fakeRequest();
    const p = readBody(req, 10);
    stream.write(Buffer.from('abc'));
    stream.end(Buffer.from('def'));
    expect((await p).toString()).toBe('abcdef');
  });

  it('refuses a declared Content-Length over the cap without reading', async () => {
    const { req, stream } = fakeRequest({ 'content-length': '11' });
    stream.end(Buffer.alloc(11));
    await expect(readBody(req, 10)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', statusCode: 413 });
  });

  it('stops as soon as a streamed body passes the cap', async () => {
    const { req, stream } = fakeRequest();
    const p = readBody(req, 10);
    stream.write(Buffer.alloc(6));
    stream.write(Buffer.alloc(6));
    stream.end(Buffer.alloc(6));
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('cuts the socket when a client keeps sending far past the cap', async () => {
    const { req, stream, socket } = fakeRequest();
    const p = readBody(req, 10).catch(() => undefined);
    for (let i = 0; i < 20; i++) stream.write(Buffer.alloc(10));
    await p;
    await new Promise((r) => setImmediate(r));
    expect(socket.destroyed).toBe(true);
  });
});
