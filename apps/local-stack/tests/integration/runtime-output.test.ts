import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_LIMITS } from '@dogbreed/platform-spec';
import { workspaceRoot } from '@dogbreed/workspace';
import { LambdaRuntime } from '../../src/lambda/runtime.js';
import { LambdaRecorder } from '../../src/metrics-recorder.js';
import { removeDir } from '../e2e/harness.js';

// Many execution environments at once (7 is the reserved concurrency; 100 is what a larger setting would run):
// each one's stdout and stderr must reach the parent without piling listeners on process.stderr.
// The environments are held by a gate the test opens once all of them have arrived, never by timing.

const WORKER = join(workspaceRoot(), 'dist/apps/local-stack/lambda/environment-worker.js');
const HANDLER = `
export const handler = async (event) => {
  console.log('invocation ' + event.n);
  console.error('stderr of ' + event.n);
  await fetch(process.env.GATE_URL);
  return { n: event.n };
};
`;

/** An HTTP gate: each request waits until `open()`; `arrived(n)` resolves once n requests are waiting. */
function startGate() {
  const waiting: ServerResponse[] = [];
  const watchers: { n: number; resolve: () => void }[] = [];
  let opened = false;
  const server = createServer((_req, res) => {
    if (opened) return void res.end('open');
    waiting.push(res);
    for (const w of watchers.filter((x) => waiting.length >= x.n)) w.resolve();
  });
  return {
    listen: () =>
      new Promise<string>((r) =>
        server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
      ),
    arrived: (n: number) =>
      new Promise<void>((resolve) => (waiting.length >= n ? resolve() : watchers.push({ n, resolve }))),
    open() {
      opened = true;
      for (const res of waiting.splice(0)) res.end('open');
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let dir: string;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lambda-output-'));
  writeFileSync(join(dir, 'index.mjs'), HANDLER);
  process.on('warning', onWarning);
});

afterAll(() => {
  process.off('warning', onWarning);
  removeDir(dir);
});

describe('execution environments forward their output without piling listeners', () => {
  it.each([7, 100])(
    '%i environments at once: no MaxListenersExceededWarning, every invocation answered',
    async (n) => {
      const gate = startGate();
      const url = await gate.listen();
      const runtime = new LambdaRuntime({
        workerPath: WORKER,
        workerData: {
          bundlePath: join(dir, 'index.mjs'),
          functionName: 'gate',
          region: 'us-east-1',
          memoryMb: 128,
          logTailBytes: LAMBDA_LIMITS.logResultTailBytes,
        },
        env: () => ({ GATE_URL: url }),
        reservedConcurrency: n,
        timeoutMs: 120_000,
        memoryMb: 128,
        recorder: new LambdaRecorder(),
        log: () => undefined,
      });
      const listenersBefore = process.stderr.eventNames().map((e) => process.stderr.listenerCount(e));
      try {
        const outcomes = Array.from({ length: n }, (_, i) => runtime.invoke({ n: i }));
        // An invocation that answers before the gate opens failed (bad worker or bundle): stop waiting, show it.
        const early = Promise.race(outcomes).then((r) => {
          throw new Error(`an invocation ended before the gate opened: ${JSON.stringify(r)}`);
        });
        early.catch(() => undefined);
        await Promise.race([gate.arrived(n), early]);
        expect(runtime.environments).toBe(n);
        expect(process.stderr.eventNames().map((e) => process.stderr.listenerCount(e))).toEqual(
          listenersBefore,
        );
        gate.open();
        const results = await Promise.all(outcomes);
        expect(results.map((r) => (r.kind === 'ok' ? r.result : r))).toEqual(
          Array.from({ length: n }, (_, i) => ({ n: i })),
        );
        // Each execution's log tail is its own: its START line and its output, nobody else's.
        for (const [i, r] of results.entries()) {
          const log = r.kind === 'throttled' ? '' : Buffer.from(r.logResult, 'base64').toString();
          expect(log).toContain(`invocation ${i}\n`);
          expect(log).toContain(`stderr of ${i}\n`);
          expect(log.match(/^START RequestId/gm)).toHaveLength(1);
        }
        expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      } finally {
        gate.open();
        await runtime.close();
        await gate.close();
      }
    },
  );
});
