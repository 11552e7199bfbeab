/**
 * The built CLI (`node dist/apps/replay/main.js`) against the built model server and two tiny real ONNX models that
 * disagree: `tiny` (solid red/green/blue → red_dog/green_dog/blue_dog) and `swapped` (the same network with the
 * first two class names swapped, so red and green flip and blue agrees). Requests: six generated images in an
 * ImageFolder split plus a data-capture file (two raw PNGs, one JSON body, one output-only record). Timing is never
 * asserted: the latency threshold is lifted in the spec override, every other threshold is the spec's.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SPEC, METADATA_FILE, MODEL_FILE } from '@dogbreed/platform-spec';
import { createTinyModelDir } from '@dogbreed/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelServerMain } from '../../src/cli.js';
import { serveModelDir, type Target } from '../../src/targets.js';
import { readReport, runBuiltCli } from '../support/cli.js';

/** How long one CLI run may take before the test gives up on it (two server starts and nine requests). */
const RUN_DEADLINE_MS = 90_000;
const REQUESTS = 9;

const work = mkdtempSync(join(tmpdir(), 'replay-it-'));
const tiny = join(work, 'tiny');
const swapped = join(work, 'swapped');
const broken = join(work, 'broken');
const images = join(work, 'images');
const captures = join(work, 'captures', 'ep', 'AllTraffic', '2026', '11', '30', '01');
let served: Target | undefined;
const standIns: Server[] = [];

/** The spec the runs use: minRequests = what is sent, the latency ratio not judged (shared CPU, tiny models). */
const specEnv = (minRequests = REQUESTS) => ({
  DOGBREED_SPEC_JSON: JSON.stringify({ rollout: { replay: { minRequests, maxP95LatencyRatio: 1e6 } } }),
});

const png = (r: number, g: number, b: number, size: number) =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

function captureLine(input?: { type: string; data: string; encoding: 'BASE64' | 'JSON' }): string {
  return JSON.stringify({
    captureData: {
      ...(input ? { endpointInput: { observedContentType: input.type, mode: 'INPUT', ...input } } : {}),
      endpointOutput: {
        observedContentType: 'application/json',
        mode: 'OUTPUT',
        data: '{}',
        encoding: 'JSON',
      },
    },
    eventMetadata: { eventId: 'e1', inferenceTime: '2026-11-30T01:02:03Z' },
    eventVersion: '0',
  });
}

beforeAll(async () => {
  await createTinyModelDir(tiny, { modelVersion: 'tiny-1' });
  await createTinyModelDir(swapped, {
    classNames: ['green_dog', 'red_dog', 'blue_dog'],
    modelVersion: 'tiny-swapped-1',
  });
  mkdirSync(broken);
  copyFileSync(join(tiny, METADATA_FILE), join(broken, METADATA_FILE));
  writeFileSync(join(broken, MODEL_FILE), 'not an onnx model');
  const colours: [string, [number, number, number]][] = [
    ['001.red_dog', [230, 20, 20]],
    ['002.green_dog', [20, 230, 20]],
    ['003.blue_dog', [20, 20, 230]],
  ];
  for (const [folder, [r, g, b]] of colours) {
    mkdirSync(join(images, folder), { recursive: true });
    writeFileSync(join(images, folder, 'a.png'), await png(r, g, b, 48));
    writeFileSync(join(images, folder, 'b.png'), await png(r, g, b, 64));
  }
  mkdirSync(captures, { recursive: true });
  const b64 = async (r: number, g: number, b: number) => (await png(r, g, b, 40)).toString('base64');
  writeFileSync(
    join(captures, 'capture.jsonl'),
    [
      captureLine({ type: 'image/png', data: await b64(240, 0, 0), encoding: 'BASE64' }),
      captureLine({ type: 'image/png', data: await b64(0, 0, 240), encoding: 'BASE64' }),
      captureLine({
        type: 'application/json',
        data: JSON.stringify({ image: await b64(0, 240, 0) }),
        encoding: 'JSON',
      }),
      captureLine(),
    ].join('\n'),
  );
  served = await serveModelDir({
    modelDir: tiny,
    modelServerMain: defaultModelServerMain(),
    settings: DEFAULT_SPEC.modelServer,
    role: 'test',
  });
});

afterAll(async () => {
  await served?.stop();
  await Promise.all(standIns.map((s) => new Promise((r) => s.close(r))));
  rmSync(work, { recursive: true, force: true });
});

const cli = (args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string, pid: number) => void) =>
  runBuiltCli(args, env, RUN_DEADLINE_MS, onLine);

describe('dogbreed-replay, built, against the built model server', () => {
  it('exit 0: the same model (a model dir vs a URL) agrees on every request; the Markdown reaches the step summary', async () => {
    const out = join(work, 'out-same');
    const summary = join(work, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await cli(
      [
        '--baseline',
        tiny,
        '--candidate',
        served?.url ?? '',
        '--images',
        images,
        '--captures',
        join(work, 'captures'),
        '--out',
        out,
      ],
      { ...specEnv(), GITHUB_STEP_SUMMARY: summary },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`REPLAY_REPORT=${join(out, 'replay-report.json')} verdict=pass`);
    expect(r.stderr).toContain(`replay: ${REQUESTS}/${REQUESTS}`);
    const report = readReport(out);
    expect(report.inputs).toMatchObject({ imageRequests: 6, captureRequests: 3, capturesWithoutInput: 1 });
    expect(report.baseline).toMatchObject({ kind: 'model-dir', modelVersion: 'tiny-1' });
    expect(report.candidate).toMatchObject({ kind: 'url', modelVersion: 'tiny-1' });
    expect(report.figures).toMatchObject({
      requests: REQUESTS,
      compared: REQUESTS,
      agreement: { agree: REQUESTS, rate: 1 },
      flips: [],
      accuracy: { labelled: 6, baseline: { rate: 1 }, candidate: { rate: 1 }, drop: 0 },
      confidence: { meanAbsShift: 0 },
    });
    expect(report.checks.every((c) => c.result !== 'fail')).toBe(true);
    const md = readFileSync(join(out, 'replay-report.md'), 'utf8');
    expect(md).toContain('## Shadow replay: PASS');
    expect(readFileSync(summary, 'utf8')).toBe(`# earlier step\n${md}\n`);
  });

  it('exit 1: the swapped model flips red and green, agrees on blue, and loses accuracy', async () => {
    const out = join(work, 'out-swapped');
    const r = await cli(
      [
        '--baseline',
        served?.url ?? '',
        '--candidate',
        swapped,
        '--images',
        images,
        '--captures',
        join(work, 'captures'),
        '--out',
        out,
      ],
      specEnv(),
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('verdict=fail');
    const report = readReport(out);
    expect(report.candidate).toMatchObject({ kind: 'model-dir', modelVersion: 'tiny-swapped-1' });
    expect(report.figures.agreement).toEqual({
      agree: 3,
      rate: 3 / REQUESTS,
      comparable: { requests: REQUESTS, agree: 3, rate: 3 / REQUESTS },
    });
    expect(report.figures.flips).toEqual([
      { from: 'green_dog', to: 'red_dog', count: 3, candidateHasFrom: true },
      { from: 'red_dog', to: 'green_dog', count: 3, candidateHasFrom: true },
    ]);
    expect(report.figures.accuracy).toMatchObject({
      labelled: 6,
      baseline: { correct: 6 },
      candidate: { correct: 2 },
    });
    expect(report.figures.errors).toMatchObject({ baseline: 0, candidate: 0 });
    expect(report.checks.filter((c) => c.result === 'fail').map((c) => c.name)).toEqual([
      'minTop1Agreement',
      'maxAccuracyDrop',
    ]);
  });

  it('exit 1: --limit keeps the first requests (images first), too few for the spec’s minRequests', async () => {
    const out = join(work, 'out-limit');
    const url = served?.url ?? '';
    const r = await cli(
      ['--baseline', url, '--candidate', url, '--images', images, '--limit', '3', '--out', out],
      specEnv(),
    );
    expect(r.code, r.stderr).toBe(1);
    const report = readReport(out);
    expect(report.inputs).toMatchObject({ limit: 3, imageRequests: 3, captureRequests: 0 });
    expect(report.checks.find((c) => c.name === 'minRequests')).toMatchObject({
      value: 3,
      limit: REQUESTS,
      result: 'fail',
    });
  });

  it('exit 2: a candidate the model server cannot load, and no report', async () => {
    const out = join(work, 'out-broken');
    const r = await cli(
      ['--baseline', tiny, '--candidate', broken, '--images', images, '--out', out],
      specEnv(),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ServerStartError: candidate model server for .*broken exited/);
    expect(r.stderr).toContain('could not load model.onnx');
    expect(existsSync(join(out, 'replay-report.json'))).toBe(false);
  });

  it('exit 2 on SIGINT mid-replay, with the model server it started stopped', async () => {
    // A candidate that holds its first request until the replay says it has handled SIGINT: no race with the loop.
    let release: (() => void) | undefined;
    let replayPid: number | undefined;
    let serverPid: number | undefined;
    const held = createServer((req, res) => {
      req.resume();
      release = () =>
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":{"code":"MODEL_NOT_READY","message":"held"}}');
      if (replayPid === undefined) release();
      else process.kill(replayPid, 'SIGINT');
    });
    standIns.push(held);
    await new Promise<void>((r) => held.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(held.address() as AddressInfo).port}`;
    const r = await cli(
      ['--baseline', tiny, '--candidate', url, '--images', images, '--out', join(work, 'out-sigint')],
      specEnv(),
      (line, pid) => {
        const m = /serving model server pid (\d+) ready/.exec(line);
        if (m) {
          serverPid = Number(m[1]);
          replayPid = pid;
        }
        if (line.includes('SIGINT: stopping after the request in flight')) release?.();
      },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/InterruptedError: interrupted after 1 of 6 requests/);
    expect(serverPid).toBeDefined();
    expect(() => process.kill(serverPid as number, 0)).toThrow(/ESRCH/);
  });
});
