/**
 * Stand-in inputs for this library's own tests: a one-file invoker bundle and a one-file Docker build context in a
 * temporary folder. The library knows nothing of the repository's layout (apps/infra does); its tests need only
 * something to hash.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfraInputs } from '../infra-app.js';

let cached: InfraInputs | undefined;

/** The same folders for every call in a test process. */
export function testInputs(): InfraInputs {
  if (cached) return cached;
  const root = mkdtempSync(join(tmpdir(), 'infra-constructs-inputs-'));
  const invoker = join(root, 'invoker');
  const context = join(root, 'model-server');
  mkdirSync(invoker);
  mkdirSync(context);
  writeFileSync(join(invoker, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
  writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\n');
  cached = {
    invokerBundleDir: invoker,
    modelServerImage: { directory: context, file: 'Dockerfile', exclude: [] },
  };
  return cached;
}
