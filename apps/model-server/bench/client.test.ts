/** The benchmark's keep-alive client against a plain node:http server on a free loopback port. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, drive, encodeRequest, parseHead } from './client.js';

describe('parseHead', () => {
  it('reads the status and Content-Length, and refuses what the client does not speak', () => {
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Length: 12\r\nx: y')).toEqual({
      status: 200,
      contentLength: 12,
    });
    expect(parseHead('HTTP/1.1 503 Service Unavailable\r\ncontent-length:0')).toEqual({
      status: 503,
      contentLength: 0,
    });
    expect(() => parseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked')).toThrow('chunked');
    expect(() => parseHead('garbage')).toThrow('not an HTTP/1.1 response');
  });
});

describe('Connection', () => {
  let server: Server;
  let port: number;
  const seen: { method?: string; url?: string; type?: string; body: string; socket: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({
          method: req.method,
          url: req.url,
          type: req.headers['content-type'],
          body,
          socket: req.socket,
        });
        const text = JSON.stringify({ echo: body.length });
        res.writeHead(body === 'fail' ? 400 : 200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends pre-encoded requests one after another on one keep-alive connection', async () => {
    const c = await Connection.open(port);
    try {
      const image = Buffer.alloc(70_000, 7);
      const request = encodeRequest(`127.0.0.1:${port}`, '/invocations', image, {
        'content-type': 'image/jpeg',
      });
      const first = await c.send(request);
      const second = await c.send(encodeRequest('x', '/invocations', Buffer.from('fail'), {}));
      expect([first.status, JSON.parse(first.body.toString())]).toEqual([200, { echo: 70_000 }]);
      expect([second.status, JSON.parse(second.body.toString())]).toEqual([400, { echo: 4 }]);
      expect(seen.slice(-2).map((s) => [s.method, s.url, s.type])).toEqual([
        ['POST', '/invocations', 'image/jpeg'],
        ['POST', '/invocations', undefined],
      ]);
      expect(seen.at(-1)?.socket).toBe(seen.at(-2)?.socket);
      await expect(Promise.all([c.send(request), c.send(request)])).rejects.toThrow('already in flight');
    } finally {
      c.close();
    }
  });

  it('drive sends the requests in turn over every connection until the count, then closes them', async () => {
    const requests = ['a', 'bb', 'ccc'].map((b) => encodeRequest('x', '/invocations', Buffer.from(b), {}));
    const connections = await Connection.openMany(port, 2);
    const before = seen.length;
    const echoed: number[] = [];
    const indices: number[] = [];
    await drive(connections, requests, { count: 7 }, (reply, ms, index) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      const echo = (JSON.parse(reply.body.toString()) as { echo: number }).echo;
      echoed.push(echo);
      // Request i carries i + 1 bytes: the index names the request the reply answers.
      expect(echo).toBe(index + 1);
      indices.push(index);
    });
    expect(echoed.sort()).toEqual([1, 1, 1, 2, 2, 3, 3]);
    expect(indices.sort()).toEqual([0, 0, 0, 1, 1, 2, 2]);
    expect(new Set(seen.slice(before).map((s) => s.socket)).size).toBe(2);
    await expect(connections[0]?.send(requests[0] as Buffer)).rejects.toThrow('closed');
  });

  it('drive fails on a status other than 200 and still closes its connections', async () => {
    const connections = await Connection.openMany(port, 1);
    const fail = encodeRequest('x', '/invocations', Buffer.from('fail'), {});
    await expect(drive(connections, [fail], { count: 3 })).rejects.toThrow('HTTP 400');
    await expect(connections[0]?.send(fail)).rejects.toThrow('closed');
  });

  it('rejects a request on a closed connection', async () => {
    const c = await Connection.open(port);
    c.close();
    await expect(c.send(encodeRequest('x', '/', Buffer.alloc(1), {}))).rejects.toThrow('closed');
  });
});
