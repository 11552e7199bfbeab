/**
 * What `npm start` says, and only that: an execution environment does not print the AWS SDK's Node.js-version
 * warning (nothing a user of this machine can act on), and the start banner names where data capture goes, under
 * the state dir the user chose rather than the checkout. Both are bounded: one environment, one invocation; one
 * stack process that stops at its model check (`--no-train` on an empty dir) before starting anything.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_LIMITS, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { workspaceRoot } from '@dogbreed/workspace';
import { LambdaRuntime } from '../../src/lambda/runtime.js';
import { LambdaRecorder } from '../../src/metrics-recorder.js';
import { MAIN, removeDir } from '../e2e/harness.js';

const root = workspaceRoot();
const WORKER = join(root, 'dist/apps/local-stack/lambda/environment-worker.js');
const WARNING = 'NodeVersionSupportWarning';

// The SDK's own check, as a client constructor runs it at cold start; an old version string makes it fire on any
// Node.js, so the test does not depend on the machine's.
const HANDLER = `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(root, 'package.json'))});
require('@aws-sdk/core/client').emitWarningIfUnsupportedVersion('v20.0.0');
export const handler = async () => ({ ok: true });
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiet-start-'));
  writeFileSync(join(dir, 'index.mjs'), HANDLER);
});

afterAll(() => removeDir(dir));

describe('a quiet start', () => {
  it('the handler does warn outside the runtime (the check below is not vacuous)', () => {
    const r = spawnSync(process.execPath, [join(dir, 'index.mjs')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toContain(WARNING);
  });

  it("an execution environment does not print the SDK's Node.js-version warning", async () => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    // The runtime forwards each environment's stdout and stderr to this process's stderr, chunk by chunk.
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    const runtime = new LambdaRuntime({
      workerPath: WORKER,
      workerData: {
        bundlePath: join(dir, 'index.mjs'),
        functionName: 'quiet',
        region: 'us-east-1',
        memoryMb: 128,
        logTailBytes: LAMBDA_LIMITS.logResultTailBytes,
      },
      env: () => ({}),
      reservedConcurrency: 1,
      timeoutMs: 30_000,
      memoryMb: 128,
      recorder: new LambdaRecorder(),
      log: () => undefined,
    });
    try {
      const r = await runtime.invoke({});
      expect(r.kind).toBe('ok');
      const tail = r.kind === 'ok' ? Buffer.from(r.logResult, 'base64').toString() : '';
      expect(tail).toContain('START RequestId');
      expect(tail).not.toContain(WARNING);
      // The environment's output reaches this process after its reply: wait for the execution's last line.
      await expect.poll(() => written.join(''), { timeout: 10_000 }).toContain('REPORT RequestId');
      expect(written.join('')).not.toContain(WARNING);
    } finally {
      await runtime.close();
      process.stderr.write = write;
    }
  });

  it('the banner names the data-capture dir under the chosen state dir, not the checkout', async () => {
    const state = join(dir, 'state');
    const child = spawn(process.execPath, [MAIN, '--port', '0', '--models-dir', state, '--no-train'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOGBREED_SPEC_'))),
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(killer);
    // --no-train on an empty state dir: it stops at the model check (or a missing build), after the banner.
    expect(code).toBe(1);
    const line = stderr.split('\n').find((l) => l.includes('data capture:'));
    expect(line).toContain(
      `${PLATFORM_SPEC.rollout.dataCapture.samplingPercent} % of InvokeEndpoint requests`,
    );
    expect(line).toContain(`to ${join(state, 'data-capture')}`);
    expect(stderr).not.toContain(join(root, '.local-stack', 'data-capture'));
    expect(stderr).not.toContain(WARNING);
  });
});
