/**
 * The whole path on real photos (skips cleanly without ../shared/data/dogs-mini or the installed pretrained weights):
 * the training package fine-tunes the pretrained EfficientNet-Lite0 on dogs-mini `train/` with the spec's defaults
 * (frozen backbone, feature cache) → model.onnx + metadata.json → the built local stack → every `test/` photo through
 * the invoker's function URL. Top-1 must reach 85 % and equal the trainer's own evaluation.json within one point:
 * the served model sees exactly what the trainer evaluated.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDir, toolPaths, workspaceRoot } from '@dogbreed/workspace';
import { removeDir, startStack, type RunningStack } from './harness.js';

const shared = sharedDir();
const dogs = shared && join(shared, 'data', 'dogs-mini');
/** Where tools/setup.sh installs the default backbone's weights (training/pretrained-weights.json says). */
function installedWeights(): string {
  const registry = JSON.parse(
    readFileSync(join(workspaceRoot(), 'training', 'pretrained-weights.json'), 'utf8'),
  ) as {
    installDir: string;
    backbones: Record<string, { file: string }>;
  };
  return join(
    workspaceRoot(),
    registry.installDir,
    registry.backbones['efficientnet_lite0']?.file ?? 'missing',
  );
}
const weights = installedWeights();
const ready = Boolean(
  dogs && existsSync(join(dogs, 'train')) && existsSync(toolPaths.python()) && existsSync(weights),
);
const MIN_TOP1 = 0.85;
const MAX_GAP = 0.01;
const CONCURRENCY = 4;

let stack: RunningStack | undefined;
let work: string | undefined;
afterAll(async () => {
  await stack?.stop();
  removeDir(work);
});

function testPhotos(root: string): { file: string; breed: string }[] {
  const dir = join(root, 'test');
  return readdirSync(dir)
    .sort()
    .flatMap((breed) =>
      readdirSync(join(dir, breed))
        .sort()
        .map((f) => ({ file: join(dir, breed, f), breed })),
    );
}

describe('dogs-mini through the whole local path', () => {
  it.skipIf(!ready)(
    'trains (frozen, cached), serves through the function URL, and matches the trainer top-1 (skips without ../shared)',
    async () => {
      const root = dogs as string;
      work = mkdtempSync(join(tmpdir(), 'real-dogs-'));
      const single = join(work, 'models', 'single');
      const started = Date.now();
      const out = execFileSync(
        toolPaths.python(),
        [
          'train.py',
          '--data-dir',
          root,
          '--model-dir',
          single,
          '--output-dir',
          join(work, 'output'),
          '--device',
          'cpu',
          '--num-workers',
          '1',
        ],
        { cwd: join(workspaceRoot(), 'training'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const trainSeconds = (Date.now() - started) / 1000;
      expect(out).toContain('feature cache:');
      const evaluation = JSON.parse(readFileSync(join(single, 'evaluation.json'), 'utf8')) as {
        top1: number;
        images: number;
      };
      // The multi-instance endpoint serves the same files (the stack needs both dirs).
      const multi = join(work, 'models', 'multi');
      mkdirSync(multi, { recursive: true });
      for (const f of ['model.onnx', 'metadata.json']) symlinkSync(join(single, f), join(multi, f));

      stack = await startStack(join(work, 'models'));
      const photos = testPhotos(root);
      const labels: string[] = new Array<string>(photos.length);
      let next = 0;
      const worker = async () => {
        while (next < photos.length) {
          const i = next++;
          const photo = photos[i] as { file: string };
          const res = await fetch(`${stack?.url}/function-url/?topK=1`, {
            method: 'POST',
            headers: { 'content-type': 'image/jpeg' },
            body: new Uint8Array(readFileSync(photo.file)),
          });
          expect(res.status, photo.file).toBe(200);
          const body = (await res.json()) as { predictions: { label: string }[] };
          labels[i] = body.predictions[0]?.label ?? '';
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const correct = photos.filter((p, i) => labels[i] === p.breed).length;
      const top1 = correct / photos.length;
      const summary = {
        trainSeconds,
        trainerTop1: evaluation.top1,
        stackTop1: top1,
        images: photos.length,
        correct,
      };
      const dir = join(workspaceRoot(), 'test-output', 'local-stack');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'real-dogs.json'), `${JSON.stringify(summary, null, 2)}\n`);
      console.log(`dogs-mini through the function URL: ${JSON.stringify(summary)}`);
      expect(evaluation.images).toBe(photos.length);
      expect(top1).toBeGreaterThanOrEqual(MIN_TOP1);
      expect(Math.abs(top1 - evaluation.top1)).toBeLessThanOrEqual(MAX_GAP);
    },
    300_000,
  );
});
