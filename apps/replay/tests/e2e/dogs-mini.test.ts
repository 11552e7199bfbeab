/**
 * Two real models on real photos (skips cleanly without ../shared/data/dogs-mini, the training venv or the installed
 * pretrained weights): the default model `npm start` serves (the pretrained ImageNet EfficientNet-Lite0 reduced to
 * its 118 dog breeds, written in seconds by the training package) against the same network with one preprocessing
 * change in its metadata.json (`stretch` instead of resize-shorter-side + centre crop), the kind of change a
 * candidate brings. No training: the test stays short. Figures depend on the model server's decoder, so the test
 * asserts what must hold (every photo compared, dingo named as a breed ImageNet's dog classes lack, the change
 * flips some answers but not most), not exact counts.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METADATA_FILE, MODEL_FILE, ModelMetadataSchema } from '@dogbreed/platform-spec';
import { sharedDir, toolPaths, workspaceRoot } from '@dogbreed/workspace';
import { afterAll, describe, expect, it } from 'vitest';
import { readReport, runBuiltCli } from '../support/cli.js';

const dogs = (() => {
  const shared = sharedDir();
  return shared && join(shared, 'data', 'dogs-mini');
})();

/** Where tools/setup.sh installs the default backbone's weights (training/pretrained-weights.json says). */
function installedWeights(): string {
  const registry = JSON.parse(
    readFileSync(join(workspaceRoot(), 'training', 'pretrained-weights.json'), 'utf8'),
  ) as { installDir: string; backbones: Record<string, { file: string }> };
  return join(
    workspaceRoot(),
    registry.installDir,
    registry.backbones['efficientnet_lite0']?.file ?? 'missing',
  );
}

const ready = Boolean(
  dogs && existsSync(join(dogs, 'test')) && existsSync(toolPaths.python()) && existsSync(installedWeights()),
);
/** 120 photos, two sides, two server starts on a shared 2-core machine. */
const RUN_DEADLINE_MS = 240_000;

let work: string | undefined;
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('dogs-mini: two real models', () => {
  it.skipIf(!ready)(
    'the default ImageNet-dogs model vs the same network with stretch preprocessing (skips without ../shared)',
    async () => {
      work = mkdtempSync(join(tmpdir(), 'replay-dogs-'));
      const serving = join(work, 'imagenet-dogs');
      const candidate = join(work, 'imagenet-dogs-stretch');
      execFileSync(toolPaths.python(), ['-m', 'dogbreed_training.imagenet_dogs', '--model-dir', serving], {
        cwd: join(workspaceRoot(), 'training'),
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const meta = ModelMetadataSchema.parse(JSON.parse(readFileSync(join(serving, METADATA_FILE), 'utf8')));
      mkdirSync(candidate);
      symlinkSync(join(serving, MODEL_FILE), join(candidate, MODEL_FILE));
      writeFileSync(
        join(candidate, METADATA_FILE),
        JSON.stringify({
          ...meta,
          modelVersion: `${meta.modelVersion}-stretch`,
          preprocessing: { ...meta.preprocessing, policy: 'stretch' },
        }),
      );
      const out = join(work, 'report');
      const test = join(dogs as string, 'test');
      const r = await runBuiltCli(
        ['--baseline', serving, '--candidate', candidate, '--images', test, '--out', out],
        {},
        RUN_DEADLINE_MS,
      );
      const report = readReport(out);
      console.log(readFileSync(join(out, 'replay-report.md'), 'utf8'));
      expect(r.code, r.stderr).toBe(report.verdict === 'pass' ? 0 : 1);
      const f = report.figures;
      expect(f.requests).toBe(120);
      expect(f.compared).toBe(120);
      expect(f.errors).toMatchObject({ baseline: 0, candidate: 0 });
      // ImageNet's 118 dog classes (151–268) have no dingo; the other nine dogs-mini breeds match by name.
      expect(f.accuracy?.labelsUnknownTo).toEqual({ baseline: ['010.dingo'], candidate: ['010.dingo'] });
      expect(f.accuracy?.commonLabels?.labelled).toBe(108);
      expect(f.accuracy?.baseline.rate).toBeGreaterThan(0.6);
      expect(f.classes).toEqual({ common: 118, onlyBaseline: [], onlyCandidate: [] });
      // Stretching instead of cropping changes what the network sees: some answers flip, most do not.
      expect(f.agreement.rate).toBeLessThan(1);
      expect(f.agreement.rate).toBeGreaterThan(0.5);
      expect(f.flips.length).toBeGreaterThan(0);
      expect(f.confidence?.meanAbsShift).toBeGreaterThan(0);
    },
    RUN_DEADLINE_MS + 60_000,
  );
});
