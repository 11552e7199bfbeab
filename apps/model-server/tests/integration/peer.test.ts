/**
 * The benchmark's peer (bench/peer) answers what our server answers: the same top-1 breed, and probabilities within
 * 1e-3, on real dogs-mini photos with the default dog model. Both read the same metadata.json and, at these sizes,
 * compute the same pixels (Pillow's bilinear resize, which ours reproduces exactly), so a difference is a bug in the
 * peer's preprocessing, and its benchmark figures would not compare like with like.
 * Skips unless the benchmark made the peer's venv and the model (`npx nx benchmark model-server`) and ../shared
 * holds dogs-mini: `npm test` never installs the peer.
 */
import { sharedDir, workspaceRoot } from '@dogbreed/workspace';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killPeers, peerVenvReady, startPeer } from '../../bench/peer-process.js';
import { spread } from '../../bench/photo-sets.js';
import { killAll, startServerProcess, waitForPing } from '../support/server-process.js';

const modelDir = join(workspaceRoot(), 'dist/benchmarks/model-server-model-efficientnet_lite0');
const photos = sharedDir() && join(sharedDir() as string, 'data/dogs-mini/test');
const missing = [
  peerVenvReady() ? undefined : 'the peer venv (dist/benchmarks/peer-venv)',
  existsSync(join(modelDir, 'model.onnx')) ? undefined : `the dog model (${modelDir})`,
  photos && existsSync(photos) ? undefined : 'dogs-mini (../shared)',
].filter(Boolean);

type Answer = { predictions: { index: number; probability: number }[] };

async function ask(url: string, body: Buffer): Promise<Answer> {
  const r = await fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: new Uint8Array(body),
  });
  expect(r.status).toBe(200);
  return (await r.json()) as Answer;
}

afterAll(() => {
  killAll();
  killPeers();
});

describe.skipIf(missing.length > 0)(
  `the peer agrees with our server (needs ${missing.join(', ') || 'nothing'})`,
  () => {
    it('gives the same top-1 and probabilities on 10 photos of 10 breeds', async () => {
      const all = readdirSync(photos as string)
        .sort()
        .flatMap((d) =>
          readdirSync(join(photos as string, d))
            .sort()
            .map((f) => join(photos as string, d, f)),
        );
      const bodies = spread(all, 10).map((p) => readFileSync(p));
      const ours = await startServerProcess({ MODEL_DIR: modelDir, LOG_LEVEL: 'warn' });
      const peer = await startPeer({ workers: 1, threads: 1, modelDir, topK: 5 });
      try {
        await waitForPing(ours.url);
        for (const body of bodies) {
          const [a, b] = [await ask(ours.url, body), await ask(peer.url, body)];
          expect(b.predictions[0]?.index).toBe(a.predictions[0]?.index);
          expect(
            Math.abs((b.predictions[0]?.probability ?? 0) - (a.predictions[0]?.probability ?? 1)),
          ).toBeLessThan(1e-3);
        }
      } finally {
        await Promise.all([ours.stop(), peer.stop()]);
      }
    });
  },
);
