/**
 * The loop against two stand-in model servers on 127.0.0.1 (answers chosen per request): every request reaches both
 * sides, the side that goes first alternates, failures are outcomes, and an abort stops the loop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SPEC } from '@dogbreed/platform-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError } from './errors.js';
import { ReplayReportSchema } from './report.js';
import type { ReplayRequest } from './requests.js';
import { buildReport, runReplay, sendAll } from './replay.js';

const arrivals: string[] = [];
const servers: Server[] = [];

/** A stand-in model server: answers `label(body)` with confidence 0.9, or 500 for a body of `boom`. */
async function standIn(name: string, label: (body: string) => string): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      arrivals.push(`${name}:${body}`);
      res.setHeader('content-type', 'application/json');
      if (body === 'boom') {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: { code: 'INFERENCE_FAILED', message: 'boom' } }));
        return;
      }
      res.end(
        JSON.stringify({
          predictions: [{ label: label(body), index: 0, probability: 0.9 }],
          modelVersion: `${name}-v1`,
          timingsMs: { decode: 0, preprocess: 0, inference: 0, total: 0 },
        }),
      );
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let baseUrl = '';
let candUrl = '';
beforeAll(async () => {
  baseUrl = await standIn('base', (b) => b);
  candUrl = await standIn('cand', (b) => (b === 'red' ? 'green' : b));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const req = (body: string, label?: string): ReplayRequest => ({
  id: body,
  source: label ? 'image' : 'capture',
  ...(label ? { label } : {}),
  contentType: 'image/png',
  body: () => Buffer.from(body),
});
const side = (url: string) => ({ url, target: url, kind: 'url' as const });

describe('sendAll', () => {
  it('sends each request to both sides, alternating which goes first', async () => {
    arrivals.length = 0;
    const progress: string[] = [];
    const pairs = await sendAll({
      baseline: side(baseUrl),
      candidate: side(candUrl),
      requests: [req('red'), req('blue'), req('boom')],
      timeoutMs: DEFAULT_SPEC.invoker.endpointTimeoutMs,
      onProgress: (d, t) => progress.push(`${d}/${t}`),
    });
    expect(arrivals).toEqual(['base:red', 'cand:red', 'cand:blue', 'base:blue', 'base:boom', 'cand:boom']);
    expect(progress).toEqual(['1/3', '2/3', '3/3']);
    expect(pairs[0]).toMatchObject({
      baseline: { ok: true, label: 'red' },
      candidate: { ok: true, label: 'green' },
    });
    expect(pairs[2]?.candidate).toMatchObject({ ok: false, error: 'HTTP 500 INFERENCE_FAILED: boom' });
  });

  it('stops with InterruptedError once aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(
      sendAll({
        baseline: side(baseUrl),
        candidate: side(candUrl),
        requests: [req('red')],
        timeoutMs: DEFAULT_SPEC.invoker.endpointTimeoutMs,
        signal: abort.signal,
      }),
    ).rejects.toThrow(InterruptedError);
  });
});

describe('runReplay', () => {
  it('reports the flips and the verdict against the thresholds it is given; the report is schema-valid', async () => {
    const report = await runReplay({
      baseline: side(baseUrl),
      candidate: side(candUrl),
      requests: [req('red', '001.red'), req('blue', '002.blue'), req('red'), req('blue')],
      thresholds: { ...DEFAULT_SPEC.rollout.replay, minRequests: 4, maxP95LatencyRatio: 1e6 },
      timeoutMs: DEFAULT_SPEC.invoker.endpointTimeoutMs,
      inputs: { imageRequests: 2, captureRequests: 2, capturesWithoutInput: 0 },
      now: () => new Date('2026-11-30T01:00:00Z'),
    });
    expect(ReplayReportSchema.parse(report)).toEqual(report);
    expect(report.baseline.modelVersion).toBe('base-v1');
    expect(report.figures.agreement).toEqual({ agree: 2, rate: 0.5 });
    expect(report.figures.flips).toEqual([{ from: 'red', to: 'green', count: 2 }]);
    expect(report.figures.accuracy).toMatchObject({
      baseline: { rate: 1 },
      candidate: { rate: 0.5 },
      drop: 0.5,
    });
    expect(report.checks.filter((c) => c.result === 'fail').map((c) => c.name)).toEqual([
      'minTop1Agreement',
      'maxAccuracyDrop',
    ]);
    expect(report.verdict).toBe('fail');
  });
});

describe('buildReport', () => {
  it('takes a model dir side’s version and classes from its metadata', () => {
    const r = buildReport(
      {
        baseline: {
          url: 'u',
          target: '/m/a',
          kind: 'model-dir',
          modelVersion: 'a-1',
          classNames: ['beagle'],
        },
        candidate: {
          url: 'u',
          target: '/m/b',
          kind: 'model-dir',
          modelVersion: 'b-1',
          classNames: ['003.beagle'],
        },
        thresholds: DEFAULT_SPEC.rollout.replay,
        inputs: { imageRequests: 0, captureRequests: 0, capturesWithoutInput: 0 },
        createdAt: new Date('2026-11-30T01:00:00Z'),
      },
      [],
    );
    expect(r.baseline).toEqual({
      target: '/m/a',
      kind: 'model-dir',
      modelVersion: 'a-1',
      classNames: ['beagle'],
    });
    expect(r.figures.classes).toEqual({ common: 1, onlyBaseline: [], onlyCandidate: [] });
    expect(r.verdict).toBe('fail');
  });
});
