/**
 * The stages-alone figures keep, per stage, the cheapest of several measurements; the in-process pipeline drives the
 * server's own path (the built inference worker, a tiny real ONNX model) and counts what it measured.
 */
import { createTinyModelDir } from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cheapest, measurePipeline } from './components.js';

describe('cheapest', () => {
  it('takes each stage from the measurement where it cost the least CPU, and counts every image', () => {
    const run = (d: number, p: number, i: number) => ({
      images: 40,
      decode: { cpuMs: d, wallMs: d + 1 },
      preprocess: { cpuMs: p, wallMs: p },
      inference: { cpuMs: i, wallMs: i / 2 },
    });
    expect(cheapest([run(5, 0.6, 8), run(4, 0.7, 9), run(6, 0.5, 7)])).toEqual({
      images: 120,
      decode: { cpuMs: 4, wallMs: 5 },
      preprocess: { cpuMs: 0.5, wallMs: 0.5 },
      inference: { cpuMs: 7, wallMs: 3.5 },
    });
  });
});

describe('measurePipeline', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
    await createTinyModelDir(join(dir, 'model'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** The built worker and the tiny model, no micro-batching. */
  const options = (
    bodies: Buffer[],
    o: { sessions: number; concurrency: number; images: number },
  ): Parameters<typeof measurePipeline>[0] => ({
    bodies,
    modelDir: join(dir, 'model'),
    model: {
      workerUrl: pathToFileURL(join(workspaceRoot(), 'dist/apps/model-server/model/inference-worker.js')),
      intraOpThreads: 1,
      sessions: o.sessions,
      batching: { enabled: false, maxBatchSize: 1, maxDelayMs: 0 },
    },
    maxInputPixels: 1_000_000,
    concurrency: o.concurrency,
    images: o.images,
  });

  it('runs every image through decode, preprocess and inference at the given concurrency', async () => {
    const jpeg = (r: number) =>
      sharp({ create: { width: 48, height: 40, channels: 3, background: { r, g: 90, b: 30 } } })
        .jpeg()
        .toBuffer();
    const bodies = await Promise.all([jpeg(200), jpeg(20)]);
    const figures = await measurePipeline(options(bodies, { sessions: 2, concurrency: 3, images: 12 }));
    expect(figures).toMatchObject({ concurrency: 3, images: 12 });
    expect(figures.imagesPerSecond).toBeGreaterThan(0);
    expect(figures.cpuMsPerImage).toBeGreaterThan(0);
    // /proc/stat is there on Linux; a share, not a percentage.
    expect(figures.idleShareOfCores).toBeGreaterThanOrEqual(0);
    expect(figures.idleShareOfCores).toBeLessThanOrEqual(1);
  });

  it('fails with the decoder error when an image cannot be read, and stops its workers', async () => {
    await expect(
      measurePipeline(options([Buffer.from('not an image')], { sessions: 1, concurrency: 1, images: 2 })),
    ).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
  });
});
