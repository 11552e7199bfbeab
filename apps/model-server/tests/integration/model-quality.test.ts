/**
 * The model-quality guardrails on the real server: the "is it a dog?" verdict from a model's dog output (flag and
 * refuse, alone and micro-batched, absent for a model without one) and the output guard, which answers 500
 * INVALID_MODEL_OUTPUT (logged at error level) for broken models that pass the warm-up and stay healthy on /ping.
 */
import { ErrorBodySchema, MODEL_SERVER_ENV, PredictionResponseSchema } from '@dogbreed/platform-spec';
import {
  createDataDependentOutputModelDir,
  createNanOutputModelDir,
  createTinyModelDir,
  createUnnormalisedProbabilitiesModelDir,
} from '@dogbreed/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidImage, type Rgb } from '../support/images.js';
import { killAll, startServerProcess, waitForPing, type ServerProcess } from '../support/server-process.js';

const root = mkdtempSync(join(tmpdir(), 'model-server-quality-'));
const dirs = {
  plain: join(root, 'plain'),
  dog: join(root, 'dog'),
  nan: join(root, 'nan'),
  unnormalised: join(root, 'unnormalised'),
  wrongLength: join(root, 'wrong-length'),
};
/** The tiny model's dog probability is 1 - mean blue: red (blue 5) is 0.980, blue (250) 0.020, light blue (64) 0.749. */
const RED: Rgb = [250, 5, 5];
const BLUE: Rgb = [5, 5, 250];
const LIGHT_BLUE: Rgb = [5, 5, 64];

const invoke = async (url: string, rgb: Rgb) =>
  fetch(`${url}/invocations`, {
    method: 'POST',
    body: await solidImage(rgb, 'png'),
    headers: { 'content-type': 'image/png' },
  });

async function prediction(url: string, rgb: Rgb) {
  const res = await invoke(url, rgb);
  expect(res.status).toBe(200);
  return PredictionResponseSchema.parse(await res.json());
}

beforeAll(async () => {
  // One at a time: each is a Python process on a shared machine.
  await createTinyModelDir(dirs.plain);
  await createTinyModelDir(dirs.dog, { dogOutput: true });
  await createNanOutputModelDir(dirs.nan);
  await createUnnormalisedProbabilitiesModelDir(dirs.unnormalised);
  await createDataDependentOutputModelDir(dirs.wrongLength);
}, 120_000);
afterAll(() => {
  killAll();
  rmSync(root, { recursive: true, force: true });
});

async function started(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  await waitForPing(server.url);
  return server;
}

describe('the dog verdict', () => {
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('flag: answers every photo, with dog.isDog false below the threshold', async () => {
    const server = await started({
      [MODEL_SERVER_ENV.modelDir]: dirs.dog,
      [MODEL_SERVER_ENV.dogThreshold]: '0.5',
      [MODEL_SERVER_ENV.dogPolicy]: 'flag',
    });
    servers.push(server);
    const red = await prediction(server.url, RED);
    expect(red.dog).toEqual({ probability: expect.closeTo(1 - 5 / 255, 5), isDog: true });
    expect(red.predictions[0]?.label).toBe('red_dog');
    const blue = await prediction(server.url, BLUE);
    expect(blue.dog?.isDog).toBe(false);
    expect(blue.dog?.probability).toBeCloseTo(1 - 250 / 255, 5);
    expect(blue.predictions[0]?.label).toBe('blue_dog');
    const light = await prediction(server.url, LIGHT_BLUE);
    expect(light.dog).toEqual({ probability: expect.closeTo(1 - 64 / 255, 5), isDog: true });
  });

  it('micro-batched: each image of a batch gets its own dog probability ([N, 1] output)', async () => {
    const server = await started({
      [MODEL_SERVER_ENV.modelDir]: dirs.dog,
      [MODEL_SERVER_ENV.batching]: 'on',
      [MODEL_SERVER_ENV.maxBatchSize]: '4',
      // Long enough that the concurrent requests below share a batch.
      [MODEL_SERVER_ENV.maxBatchDelayMs]: '100',
      [MODEL_SERVER_ENV.inferenceSessions]: '1',
      [MODEL_SERVER_ENV.dogPolicy]: 'flag',
    });
    servers.push(server);
    const colours = [RED, BLUE, LIGHT_BLUE, BLUE, RED, LIGHT_BLUE, RED, BLUE];
    const answers = await Promise.all(colours.map((rgb) => prediction(server.url, rgb)));
    answers.forEach((a, i) => {
      const blue = (colours[i] as Rgb)[2];
      expect(a.dog?.probability).toBeCloseTo(1 - blue / 255, 5);
      expect(a.dog?.isDog).toBe(blue < 128);
    });
    // The images shared ORT runs: fewer runs than images means batches of more than one.
    const runs = new Set(answers.map((a) => a.timingsMs.inference));
    expect(runs.size).toBeLessThan(colours.length);
  });

  it('refuse: a non-dog is 422 NOT_A_DOG naming its probability and the threshold; a dog is answered', async () => {
    const server = await started({
      [MODEL_SERVER_ENV.modelDir]: dirs.dog,
      [MODEL_SERVER_ENV.dogThreshold]: '0.8',
      [MODEL_SERVER_ENV.dogPolicy]: 'refuse',
    });
    servers.push(server);
    expect((await prediction(server.url, RED)).dog?.isDog).toBe(true);
    for (const rgb of [BLUE, LIGHT_BLUE]) {
      const res = await invoke(server.url, rgb);
      expect(res.status).toBe(422);
      const body = ErrorBodySchema.parse(await res.json());
      expect(body.error.code).toBe('NOT_A_DOG');
      expect(body.error.message).toMatch(
        /does not look like a dog: dog probability 0\.\d{3} is below the threshold 0\.8/,
      );
    }
  });

  it('a model without a dog output answers no dog field, whatever the policy', async () => {
    const server = await started({
      [MODEL_SERVER_ENV.modelDir]: dirs.plain,
      [MODEL_SERVER_ENV.dogPolicy]: 'refuse',
    });
    servers.push(server);
    const blue = await prediction(server.url, BLUE);
    expect(blue.dog).toBeUndefined();
    expect(blue.predictions[0]?.label).toBe('blue_dog');
  });
});

describe('the output guard: a broken model is a 500, never a 200', () => {
  it.each([
    [
      'NaN logits',
      'nan' as const,
      "model output 'logits' is not a probability distribution: logits[0] is NaN",
    ],
    [
      'probabilities that sum to 0.5',
      'unnormalised' as const,
      "model output 'logits' is not a probability distribution: its probabilities sum to 0.5",
    ],
    [
      'fewer classes than metadata.json lists',
      'wrongLength' as const,
      "model output 'logits' has shape [1, 1] for a batch of 1; expected [1, 3]",
    ],
  ])(
    '%s → 500 INVALID_MODEL_OUTPUT, logged at error level, /ping still healthy',
    async (_name, dir, message) => {
      const server = await started({ [MODEL_SERVER_ENV.modelDir]: dirs[dir] });
      try {
        for (let i = 0; i < 2; i++) {
          const res = await invoke(server.url, RED);
          expect(res.status).toBe(500);
          const body = ErrorBodySchema.parse(await res.json());
          expect(body.error.code).toBe('INVALID_MODEL_OUTPUT');
          expect(body.error.message).toContain(message);
        }
        // The server itself is fine: it is the model's answers that are refused (the 5xx alarms roll it back).
        expect((await fetch(`${server.url}/ping`)).status).toBe(200);
        // Every log line is in once the process has closed its stdout.
        await server.stop();
        const errors = server.logs.filter(
          (l) => l['msg'] === 'request failed' && l['code'] === 'INVALID_MODEL_OUTPUT',
        );
        expect(errors).toHaveLength(2);
        for (const line of errors) {
          // pino's error level; the status is what SageMaker counts as Invocation5XXErrors.
          expect(line).toMatchObject({ level: 50, status: 500, path: '/invocations' });
          expect(JSON.stringify(line['err'])).toContain(message);
        }
      } finally {
        await server.stop();
      }
    },
  );
});
