import { ErrorBodySchema, MODEL_SERVER_ENV, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { createTinyModelDir } from '@dogbreed/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngDeclaring, randomBytes, solidImage } from '../support/images.js';
import {
  killAll,
  rssKb,
  startServerProcess,
  waitForPing,
  type ServerProcess,
} from '../support/server-process.js';

interface Case {
  readonly name: string;
  readonly body: Buffer | string;
  readonly headers: Record<string, string>;
  /** Expected code where the case pins one; otherwise any 4xx/5xx with a code passes. */
  readonly code?: string;
  /** Send with chunked transfer encoding (no Content-Length). */
  readonly chunked?: boolean;
}

const MIB = 1024 * 1024;
/** RSS may grow this much over the warmed-up baseline across the whole corpus (a leak of 20 MB bodies would show). */
const RSS_GROWTH_LIMIT_KB = 256 * 1024;
const { maxTopK } = PLATFORM_SPEC.invoker;

const img = (type: string) => ({ 'content-type': type });
const json = (v: unknown) => ({ body: JSON.stringify(v), headers: img('application/json') });

async function corpus(): Promise<Case[]> {
  const jpeg = await solidImage([200, 100, 50], 'jpeg', 400, 300);
  const png = await solidImage([10, 200, 10], 'png', 40, 40);
  const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
    .gif()
    .toBuffer();
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
  );
  const b64 = png.toString('base64');
  const cases: Case[] = [
    { name: 'empty jpeg', body: Buffer.alloc(0), headers: img('image/jpeg'), code: 'EMPTY_BODY' },
    { name: 'empty json', body: '', headers: img('application/json'), code: 'EMPTY_BODY' },
    {
      name: 'truncated jpeg',
      body: jpeg.subarray(0, jpeg.length >> 1),
      headers: img('image/jpeg'),
      code: 'INVALID_IMAGE',
    },
    {
      name: 'jpeg header only',
      body: jpeg.subarray(0, 20),
      headers: img('image/jpeg'),
      code: 'INVALID_IMAGE',
    },
    {
      name: 'png declaring 60000x60000',
      body: pngDeclaring(60000, 60000),
      headers: img('image/png'),
      code: 'IMAGE_TOO_LARGE',
    },
    {
      name: 'png declaring 60000x60000 in json',
      ...json({ image: pngDeclaring(60000, 60000).toString('base64') }),
      code: 'IMAGE_TOO_LARGE',
    },
    {
      name: 'png declaring 1x1 with garbage',
      body: Buffer.concat([pngDeclaring(1, 1).subarray(0, 33), randomBytes(64, 7)]),
      headers: img('image/png'),
      code: 'INVALID_IMAGE',
    },
    { name: 'gif sent as png', body: gif, headers: img('image/png'), code: 'UNSUPPORTED_IMAGE_FORMAT' },
    { name: 'svg sent as png', body: svg, headers: img('image/png') },
    {
      name: '20 MB body with Content-Length',
      body: randomBytes(20 * MIB, 1),
      headers: img('image/jpeg'),
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: '20 MB body chunked',
      body: randomBytes(20 * MIB, 2),
      headers: img('image/png'),
      code: 'PAYLOAD_TOO_LARGE',
      chunked: true,
    },
    { name: 'text/plain', body: 'hello', headers: img('text/plain'), code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'no content type', body: png, headers: {}, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'image/gif', body: gif, headers: img('image/gif'), code: 'UNSUPPORTED_MEDIA_TYPE' },
    {
      name: 'multipart',
      body: png,
      headers: img('multipart/form-data; boundary=x'),
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'accept text/html',
      body: png,
      headers: { ...img('image/png'), accept: 'text/html' },
      code: 'NOT_ACCEPTABLE',
    },
    { name: 'invalid base64', ...json({ image: '@@not base64@@' }), code: 'INVALID_BASE64' },
    {
      name: 'base64 of random bytes',
      ...json({ image: randomBytes(300, 3).toString('base64') }),
      code: 'INVALID_IMAGE',
    },
    { name: 'image not a string', ...json({ image: 12345 }), code: 'INVALID_REQUEST' },
    { name: 'missing image', ...json({ topK: 3 }), code: 'INVALID_REQUEST' },
    { name: 'json array', ...json([b64]), code: 'INVALID_REQUEST' },
    { name: 'json string', ...json(b64), code: 'INVALID_REQUEST' },
    { name: 'json null', body: 'null', headers: img('application/json'), code: 'INVALID_REQUEST' },
    {
      name: 'truncated json',
      body: `{"image":"${b64.slice(0, 20)}`,
      headers: img('application/json'),
      code: 'INVALID_JSON',
    },
    {
      name: 'deeply nested arrays',
      body: '['.repeat(500_000) + ']'.repeat(500_000),
      headers: img('application/json'),
    },
    {
      name: 'deeply nested image',
      body: '{"image":'.repeat(100_000) + '1' + '}'.repeat(100_000),
      headers: img('application/json'),
    },
    {
      name: 'binary as json',
      body: randomBytes(2048, 4),
      headers: img('application/json'),
      code: 'INVALID_JSON',
    },
  ];
  for (const topK of [0, -1, 1000, maxTopK + 1, 'x', 1.5, null, [2], { k: 1 }]) {
    cases.push({
      name: `topK ${JSON.stringify(topK)}`,
      ...json({ image: b64, topK }),
      code: 'INVALID_TOP_K',
    });
  }
  for (let seed = 10; seed < 30; seed++) {
    const type = ['image/jpeg', 'image/png', 'image/webp'][seed % 3] as string;
    const prefix = [
      Buffer.from([0xff, 0xd8, 0xff]),
      pngDeclaring(64, 64).subarray(0, 33),
      Buffer.from('RIFF\0\0\0\0WEBPVP8 '),
    ][seed % 3] as Buffer;
    cases.push({
      name: `random ${type} #${seed}`,
      body: randomBytes(50 + seed * 997, seed),
      headers: img(type),
    });
    cases.push({
      name: `magic + random ${type} #${seed}`,
      body: Buffer.concat([prefix, randomBytes(500 + seed * 331, seed + 100)]),
      headers: img(type),
    });
  }
  return cases;
}

/** Sends one case with node:http (so chunked bodies and early 413s behave as on the wire). */
function send(port: number, c: Case): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const body = typeof c.body === 'string' ? Buffer.from(c.body) : c.body;
    const headers = { ...c.headers, ...(c.chunked ? {} : { 'content-length': String(body.length) }) };
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/invocations',
      method: 'POST',
      headers,
      agent: false,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: text }),
      );
    });
    // The server may stop reading an oversized body and close after answering; the answer is what counts.
    req.on('error', (err) =>
      answered ? undefined : reject(new Error(`${c.name}: ${err.message}`, { cause: err })),
    );
    if (c.chunked) {
      const step = 256 * 1024;
      let off = 0;
      const pump = () => {
        while (off < body.length) {
          const ok = req.write(body.subarray(off, off + step));
          off += step;
          if (!ok) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    } else req.end(body);
  });
}

describe('fuzz: a corpus of bad bodies', () => {
  const root = mkdtempSync(join(tmpdir(), 'model-server-fuzz-'));
  let server: ServerProcess;
  let cases: Case[];
  let baselineKb: number;

  beforeAll(async () => {
    await createTinyModelDir(join(root, 'model'));
    server = await startServerProcess({
      [MODEL_SERVER_ENV.modelDir]: join(root, 'model'),
      [MODEL_SERVER_ENV.logLevel]: 'warn',
    });
    await waitForPing(server.url);
    const ok = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      body: await solidImage([250, 0, 0]),
      headers: img('image/png'),
    });
    expect(ok.status).toBe(200);
    baselineKb = rssKb(server.pid);
    cases = await corpus();
  });
  afterAll(async () => {
    await server?.stop();
    killAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers every case with a 4xx/5xx JSON error carrying a stable code, and stays healthy with bounded RSS', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const r = await send(server.port, c);
      let code: string | undefined;
      try {
        code = ErrorBodySchema.parse(JSON.parse(r.body)).error.code;
      } catch {
        code = undefined;
      }
      const ok =
        r.status >= 400 &&
        r.status < 600 &&
        r.type === 'application/json' &&
        code !== undefined &&
        (!c.code || c.code === code);
      if (!ok)
        failures.push(
          `${c.name}: ${r.status} ${r.type} ${r.body.slice(0, 200)} (expected ${c.code ?? 'any error code'})`,
        );
    }
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThan(60);

    // Concurrently too: the same corpus four at a time, to mix errors with the queue.
    const small = cases.filter((c) => (typeof c.body === 'string' ? c.body.length : c.body.length) < MIB);
    for (let i = 0; i < small.length; i += 4) {
      const replies = await Promise.all(small.slice(i, i + 4).map((c) => send(server.port, c)));
      for (const r of replies) expect(r.status, r.body).toBeGreaterThanOrEqual(400);
    }

    await waitForPing(server.url, 200, 1);
    const good = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      body: await solidImage([250, 0, 0]),
      headers: img('image/png'),
    });
    expect(good.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    const grownKb = rssKb(server.pid) - baselineKb;
    expect(grownKb, `RSS grew by ${grownKb} kB over a ${baselineKb} kB baseline`).toBeLessThan(
      RSS_GROWTH_LIMIT_KB,
    );
  });
});
