/**
 * What a cold start of the bundle reads and needs: `index.mjs` and the chunks it imports statically hold neither
 * the platform spec's defaults and loader, nor the X-Ray SDK, nor the S3 client, nor zod (those chunks load on
 * demand), and
 * the handler's configuration is its environment alone, so a variable the construct writes missing fails at init.
 */
import { DEFAULT_SPEC, INVOKER_ENV } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { invokerEnvFor } from '../support/env.js';
import { DUMMY_CREDENTIALS, TEST_REGION } from '../support/invoke-endpoint-server.js';
import {
  bundleFiles,
  ensureInvokerBundle,
  invokerBundle,
  runBundle,
  startUpFiles,
} from '../support/processes.js';

const text = (files: string[]) => files.map((f) => readFileSync(f, 'utf8')).join('\n');

beforeAll(async () => {
  await ensureInvokerBundle();
}, 180_000);

describe('the invoker bundle', () => {
  // Strings each part keeps through minification; all are in the bundle folder, so the checks below can fail.
  const parts: [string, string][] = [
    ['the platform spec defaults', DEFAULT_SPEC.endpoints.single.name],
    ['the X-Ray SDK', 'AWS_XRAY_CONTEXT_MISSING'],
    ['the S3 client', '"GetObject"'],
    ['zod (a request the plain checks take never loads it)', '"ZodObject"'],
  ];

  it.each(parts)('starts without %s (left in an on-demand chunk or out of the bundle)', (_part, marker) => {
    const startUp = startUpFiles(invokerBundle());
    expect(startUp.length).toBeGreaterThan(0);
    expect(text(startUp)).not.toContain(marker);
  });

  it('holds only the part of zod it uses (each bundled platform-spec file imports zod as a namespace)', () => {
    // `import { z } from 'zod'` keeps all of zod, a third of the start-up; esbuild.config.mjs rewrites it. The
    // template-literal schema is one of the parts nothing here uses.
    expect(text(bundleFiles(dirname(invokerBundle())))).not.toContain('ZodTemplateLiteral');
  });

  it('still carries Tracer, the S3 client and zod for the requests that use them', () => {
    const everything = text(bundleFiles(dirname(invokerBundle())));
    expect(everything).toContain('AWS_XRAY_CONTEXT_MISSING');
    expect(everything).toContain('"GetObject"');
    expect(everything).toContain('"ZodObject"');
  });

  it('fails at init, naming the variable, when one the construct writes is missing', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      ...invokerEnvFor(specWith({}), { [INVOKER_ENV.maxTopK]: undefined }),
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_REGION: TEST_REGION,
    };
    await expect(runBundle([{ image: 'AAAA' }], env)).rejects.toMatchObject({
      stderr: expect.stringContaining(`${INVOKER_ENV.maxTopK} is not set`),
    });
  });
});
