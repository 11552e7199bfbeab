import {
  CUSTOM_ATTRIBUTES_HEADER,
  ErrorBodySchema,
  formatCustomAttributes,
  METADATA_FILE,
  MODEL_FILE,
  MODEL_SERVER_ENV,
  PLATFORM_SPEC,
  PredictionResponseSchema,
} from '@dogbreed/platform-spec';
import { createTinyModelDir } from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidImage } from '../support/images.js';
import {
  BUILT_SERVE,
  killAll,
  startServerProcess,
  waitForPing,
  type ServerProcess,
} from '../support/server-process.js';

const CLASSES = ['red_dog', 'green_dog', 'blue_dog'];
/** Posts N bytes with Python's urllib, which sends the whole body before it reads the answer. */
const URLLIB_POST = join(workspaceRoot(), 'tools/testing/urllib_post.py');
const root = mkdtempSync(join(tmpdir(), 'model-server-it-'));
const modelDir = join(root, 'model');
const { defaultTopK, maxTopK } = PLATFORM_SPEC.invoker;

const post = (url: string, body: Buffer | string, headers: Record<string, string>) =>
  fetch(`${url}/invocations`, { method: 'POST', body, headers });

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  const body = ErrorBodySchema.parse(await res.json());
  expect(body.error.code).toBe(code);
  return body;
}

/** A POST whose headers and first bytes are sent now and whose body is finished later by the test. */
function openRequest(port: number, contentType: string, first: Buffer) {
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/invocations',
    method: 'POST',
    headers: { 'content-type': contentType },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  req.write(first);
  return {
    finish: (rest: Buffer) => req.end(rest),
    abort: () => {
      req.on('error', () => undefined);
      req.destroy();
    },
    response,
  };
}

/** The first of these held requests to be answered (whichever the server refused), with its index. */
function firstAnswered(held: readonly ReturnType<typeof openRequest>[]) {
  return Promise.race(held.map((h, i) => h.response.then((r) => ({ ...r, i }))));
}

/** A server with room for `sessions` running requests and one waiting (queue depth 1, no micro-batching). */
function startQueueLimited(sessions: number) {
  return startServerProcess({
    [MODEL_SERVER_ENV.modelDir]: modelDir,
    [MODEL_SERVER_ENV.maxQueueDepth]: '1',
    [MODEL_SERVER_ENV.inferenceSessions]: String(sessions),
    [MODEL_SERVER_ENV.batching]: 'off',
  });
}

beforeAll(async () => {
  await createTinyModelDir(modelDir, { classNames: CLASSES });
});
afterAll(() => {
  killAll();
  rmSync(root, { recursive: true, force: true });
});

describe('a ready server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ [MODEL_SERVER_ENV.modelDir]: modelDir });
    await waitForPing(server.url);
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each([
    ['png', [250, 5, 5], 'red_dog'],
    ['jpeg', [5, 250, 5], 'green_dog'],
    ['webp', [5, 5, 250], 'blue_dog'],
  ] as const)('classifies a solid %s image as %s', async (format, rgb, label) => {
    const res = await post(server.url, await solidImage(rgb, format), { 'content-type': `image/${format}` });
    expect(res.status).toBe(200);
    const body = PredictionResponseSchema.parse(await res.json());
    expect(body.predictions[0]?.label).toBe(label);
    expect(body.predictions).toHaveLength(Math.min(defaultTopK, CLASSES.length));
    expect(body.modelVersion).toBe('tiny-color-1');
    expect(body.timingsMs.total).toBeGreaterThanOrEqual(body.timingsMs.inference);
  });

  it('reads top-K for a raw image from X-Amzn-SageMaker-Custom-Attributes', async () => {
    const png = await solidImage([5, 250, 5], 'png');
    const headers = { 'content-type': 'image/png', accept: 'application/json' };
    const one = await post(server.url, png, {
      ...headers,
      [CUSTOM_ATTRIBUTES_HEADER]: formatCustomAttributes({ topK: 1 }),
    });
    expect(one.status).toBe(200);
    expect(PredictionResponseSchema.parse(await one.json()).predictions.map((p) => p.label)).toEqual([
      'green_dog',
    ]);
    const other = await post(server.url, png, { ...headers, [CUSTOM_ATTRIBUTES_HEADER]: 'trace=x; topK=2' });
    expect(PredictionResponseSchema.parse(await other.json()).predictions).toHaveLength(2);

    await expectError(
      await post(server.url, png, { ...headers, [CUSTOM_ATTRIBUTES_HEADER]: 'topK' }),
      400,
      'INVALID_CUSTOM_ATTRIBUTES',
    );
    const tooMany = formatCustomAttributes({ topK: maxTopK + 1 });
    await expectError(
      await post(server.url, png, { ...headers, [CUSTOM_ATTRIBUTES_HEADER]: tooMany }),
      400,
      'INVALID_TOP_K',
    );
  });

  it('reads a JSON body with a base64 image and topK, and echoes the request id', async () => {
    const image = (await solidImage([250, 5, 5], 'jpeg')).toString('base64');
    const res = await post(server.url, JSON.stringify({ image, topK: 2 }), {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-amzn-sagemaker-request-id': 'it-req-42',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('it-req-42');
    const body = PredictionResponseSchema.parse(await res.json());
    expect(body.predictions.map((p) => p.label)).toEqual(['red_dog', expect.any(String)]);
    expect(body.predictions.reduce((s, p) => s + p.probability, 0)).toBeLessThanOrEqual(1);
  });

  it('answers errors with stable codes', async () => {
    const png = await solidImage([1, 2, 3]);
    await expectError(
      await post(server.url, png, { 'content-type': 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectError(
      await post(server.url, png, { 'content-type': 'image/png', accept: 'text/html' }),
      406,
      'NOT_ACCEPTABLE',
    );
    await expectError(
      await post(server.url, Buffer.alloc(0), { 'content-type': 'image/png' }),
      400,
      'EMPTY_BODY',
    );
    const bad = JSON.stringify({ image: png.toString('base64'), topK: maxTopK + 1 });
    const body = await expectError(
      await post(server.url, bad, { 'content-type': 'application/json' }),
      400,
      'INVALID_TOP_K',
    );
    expect(body.error.requestId).toBeTruthy();
    await expectError(await fetch(`${server.url}/nope`), 404, 'NOT_FOUND');
    await expectError(await fetch(`${server.url}/invocations`), 405, 'METHOD_NOT_ALLOWED');
    const big = Buffer.alloc(PLATFORM_SPEC.modelServer.maxBodyBytes + 1);
    await expectError(await post(server.url, big, { 'content-type': 'image/png' }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['over the body cap', 'image/png', 413, 'PAYLOAD_TOO_LARGE'],
    ['refused from its headers', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])(
    'a 30 MB body %s, sent whole by Python urllib before reading, gets its JSON error; the server stays up',
    async (_what, type, status, code) => {
      const { stdout } = await promisify(execFile)('python3', [
        URLLIB_POST,
        `${server.url}/invocations`,
        String(30 * 1000 * 1000),
        type,
      ]);
      const reply = JSON.parse(stdout) as { status: number; body: string };
      expect(reply.status).toBe(status);
      expect(ErrorBodySchema.parse(JSON.parse(reply.body)).error.code).toBe(code);
      expect((await fetch(`${server.url}/ping`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
    },
  );

  it('serves /execution-parameters from its settings', async () => {
    const res = await fetch(`${server.url}/execution-parameters`);
    expect(await res.json()).toEqual({
      MaxConcurrentTransforms: expect.any(Number),
      BatchStrategy: 'SINGLE_RECORD',
      MaxPayloadInMB: Math.floor(PLATFORM_SPEC.modelServer.maxBodyBytes / 1024 / 1024),
    });
  });

  it('logs structured JSON with the request id', async () => {
    // The access log is written after the answer: wait for it rather than assume the pipe beat the socket.
    await waitFor(() => server.logs.some((l) => l['requestId'] === 'it-req-42'));
    const line = server.logs.find((l) => l['requestId'] === 'it-req-42');
    expect(line).toMatchObject({ msg: 'invocation', status: 200, service: 'model-server' });
  });
});

describe('/ping and startup', () => {
  it('answers 503 until the model has loaded and warmed up, then 200', async () => {
    // model.onnx is a named pipe: the server cannot finish loading until the test writes the model into it.
    const late = join(root, 'late');
    rmSync(late, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', late]);
    writeFileSync(join(late, METADATA_FILE), readFileSync(join(modelDir, METADATA_FILE)));
    execFileSync('mkfifo', [join(late, MODEL_FILE)]);
    const server = await startServerProcess({ [MODEL_SERVER_ENV.modelDir]: late });
    try {
      await expectError(await fetch(`${server.url}/ping`), 503, 'MODEL_NOT_READY');
      await expectError(
        await post(server.url, await solidImage([9, 9, 9]), { 'content-type': 'image/png' }),
        503,
        'MODEL_NOT_READY',
      );
      const pipe = createWriteStream(join(late, MODEL_FILE));
      pipe.end(readFileSync(join(modelDir, MODEL_FILE)));
      await waitForPing(server.url, 200);
      // The log line travels through a pipe, the /ping answer through a socket: either may reach the test first.
      await waitFor(() => server.logs.some((l) => l['msg'] === 'model ready'));
    } finally {
      await server.stop();
    }
  });

  it('fails fast with a clear message when metadata.json is missing', async () => {
    const empty = join(root, 'empty');
    execFileSync('mkdir', ['-p', empty]);
    writeFileSync(join(empty, MODEL_FILE), readFileSync(join(modelDir, MODEL_FILE)));
    const server = await startServerProcess({ [MODEL_SERVER_ENV.modelDir]: empty });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain(`${METADATA_FILE} not found`);
  });

  it('fails fast when the class count differs from the model output', async () => {
    const wrong = join(root, 'wrong');
    execFileSync('mkdir', ['-p', wrong]);
    writeFileSync(join(wrong, MODEL_FILE), readFileSync(join(modelDir, MODEL_FILE)));
    const meta = JSON.parse(readFileSync(join(modelDir, METADATA_FILE), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(wrong, METADATA_FILE),
      JSON.stringify({ ...meta, classNames: ['a', 'b', 'c', 'd', 'e'], numClasses: 5 }),
    );
    const server = await startServerProcess({ [MODEL_SERVER_ENV.modelDir]: wrong });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('outputs 3 classes but metadata.json lists 5');
  });

  it('starts the same server through the container entrypoint `serve`', async () => {
    const server = await startServerProcess({ [MODEL_SERVER_ENV.modelDir]: modelDir }, ['sh', BUILT_SERVE]);
    await waitForPing(server.url);
    expect(await server.stop()).toBe(0);
  });

  it('refuses a bad environment variable by name', async () => {
    await expect(
      startServerProcess({ [MODEL_SERVER_ENV.modelDir]: modelDir, [MODEL_SERVER_ENV.maxQueueDepth]: 'lots' }),
    ).rejects.toThrow(MODEL_SERVER_ENV.maxQueueDepth);
  });
});

describe('back-pressure and shutdown', () => {
  it('refuses with 503 QUEUE_FULL past its in-flight limit and serves the admitted requests', async () => {
    // maxQueueDepth 1, one session, no batching: 2 admitted requests (1 waiting + 1 running) is the limit.
    const server = await startQueueLimited(1);
    try {
      await waitForPing(server.url);
      const png = await solidImage([250, 5, 5]);
      // Three requests whose bodies are still being sent: whichever arrives third is over the limit.
      const held = [0, 1, 2].map(() => openRequest(server.port, 'image/png', png.subarray(0, 10)));
      const first = await firstAnswered(held);
      expect(first.status).toBe(503);
      expect(ErrorBodySchema.parse(JSON.parse(first.body)).error.code).toBe('QUEUE_FULL');
      const admitted = held.filter((_, i) => i !== first.i);
      held[first.i]?.abort();
      admitted.forEach((h) => h.finish(png.subarray(10)));
      for (const h of admitted) expect((await h.response).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('runs two inference sessions when asked: both answer, and each counts toward the in-flight limit', async () => {
    // maxQueueDepth 1, 2 sessions, no batching: 1 waiting + 2 running = 3 admitted requests; the fourth is refused.
    const server = await startQueueLimited(2);
    try {
      await waitForPing(server.url);
      await waitFor(() => server.logs.some((l) => l['msg'] === 'model ready'));
      expect(server.logs.find((l) => l['msg'] === 'model ready')).toMatchObject({ sessions: 2 });
      const colours: [number, number, number][] = [
        [250, 5, 5],
        [5, 250, 5],
        [5, 5, 250],
      ];
      const images = await Promise.all(colours.map((c) => solidImage(c)));
      const held = [...images, images[0] as Buffer].map((png) => ({
        png,
        request: openRequest(server.port, 'image/png', png.subarray(0, 10)),
      }));
      const first = await firstAnswered(held.map((h) => h.request));
      expect(first.status).toBe(503);
      expect(ErrorBodySchema.parse(JSON.parse(first.body)).error.code).toBe('QUEUE_FULL');
      held[first.i]?.request.abort();
      const admitted = held.filter((_, i) => i !== first.i);
      admitted.forEach((h) => h.request.finish(h.png.subarray(10)));
      for (const h of admitted) {
        const res = await h.request.response;
        expect(res.status).toBe(200);
        const want = CLASSES[colours.findIndex((_, k) => images[k] === h.png)];
        expect(PredictionResponseSchema.parse(JSON.parse(res.body)).predictions[0]?.label).toBe(want);
      }
    } finally {
      await server.stop();
    }
  });

  it('on SIGTERM stops accepting, finishes the in-flight requests and exits 0', async () => {
    // maxQueueDepth 1, one session, no batching: 2 admitted requests is the limit. Of three requests whose bodies are held,
    // one is refused with 503 QUEUE_FULL, which proves the other two are in flight before the signal (no waiting
    // for a time and hoping).
    const server = await startQueueLimited(1);
    await waitForPing(server.url);
    const png = await solidImage([5, 5, 250]);
    const all = [0, 1, 2].map(() => openRequest(server.port, 'image/png', png.subarray(0, 10)));
    const refused = await firstAnswered(all);
    expect(refused.status).toBe(503);
    all[refused.i]?.abort();
    const held = all.filter((_, i) => i !== refused.i);
    server.child.kill('SIGTERM');
    await waitFor(() => server.logs.some((l) => l['msg'] === 'shutting down'));
    expect(server.logs.find((l) => l['msg'] === 'shutting down')).toMatchObject({ inFlight: 2 });
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
    for (const h of held) h.finish(png.subarray(10));
    for (const h of held) {
      const res = await h.response;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).predictions[0].label).toBe('blue_dog');
    }
    expect(await server.exited).toBe(0);
    expect(server.logs.some((l) => l['msg'] === 'stopped')).toBe(true);
  });
});

async function waitFor(cond: () => boolean | Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition never became true');
}
