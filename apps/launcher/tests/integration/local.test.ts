import { METADATA_FILE, MODEL_FILE, ModelMetadataSchema } from '@dogbreed/platform-spec';
import { toolPaths } from '@dogbreed/workspace';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { EXIT_CODES } from '../../src/errors.js';
import { InterruptSignal } from '../../src/io.js';
import { memoryIo, TRAINING_DIR } from '../support/helpers.js';

const ready =
  existsSync(join(TRAINING_DIR, 'train.py')) &&
  existsSync(join(TRAINING_DIR, 'dogbreed_training', 'synthetic.py')) &&
  existsSync(toolPaths.python());

describe.skipIf(!ready)(
  'local target (skipped: the training package or .venv python is not there yet)',
  () => {
    let work: string;
    let data: string;

    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'launcher-local-'));
      data = join(work, 'data');
      // The training package's own synthetic dataset generator (coloured shapes, ImageFolder train/valid/test).
      execFileSync(
        toolPaths.python(),
        [
          '-m',
          'dogbreed_training.synthetic',
          '--out',
          data,
          '--classes',
          '3',
          '--train-per-class',
          '6',
          '--valid-per-class',
          '2',
          '--test-per-class',
          '2',
          '--size',
          '32',
        ],
        { cwd: TRAINING_DIR, stdio: 'pipe' },
      );
    });

    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it.each([
      ['single', []],
      ['multi', ['--processes', '2']],
    ] as const)(
      '--mode %s writes model.onnx + a valid metadata.json and prints MODEL_DIR',
      async (mode, extra) => {
        // Prepare
        const modelDir = join(work, `model-${mode}`);
        const io = memoryIo();
        // tiny_cnn has no pretrained weights: the spec's frozen backbone would be refused, so it trains whole.
        const spec = JSON.stringify({ training: { hyperparameters: { freezeBackbone: false } } });
        const env = { ...process.env, DOGBREED_PYTHON: toolPaths.python(), DOGBREED_SPEC_JSON: spec };
        // Act: small and fast on CPU.
        const code = await runCli(
          [
            '--target',
            'local',
            '--mode',
            mode,
            '--data-dir',
            data,
            '--model-dir',
            modelDir,
            '--epochs',
            '2',
            '--backbone',
            'tiny_cnn',
            '--image-size',
            '32',
            '--batch-size',
            '4',
            ...extra,
          ],
          { io, env, interrupts: new InterruptSignal() },
        );
        // Assess
        expect(code, io.stderr.slice(-20).join('\n')).toBe(EXIT_CODES.ok);
        expect(io.stdout).toEqual([`MODEL_DIR=${modelDir}`]);
        expect(existsSync(join(modelDir, MODEL_FILE))).toBe(true);
        const meta = ModelMetadataSchema.parse(
          JSON.parse(readFileSync(join(modelDir, METADATA_FILE), 'utf8')),
        );
        expect(meta.numClasses).toBe(3);
        expect(meta.trainingMode).toBe(mode);
        expect(meta.input.height).toBe(32);
        // One progress line per epoch, even with two ranks printing.
        expect(io.stderr.filter((l) => l.startsWith('[epoch '))).toHaveLength(2);
        expect(io.stderr.some((l) => /^\[epoch 2\/2\] .*val_acc=/.test(l))).toBe(true);
      },
      300_000,
    );

    it('a missing data dir is a clear error (exit 4), nothing spawned', async () => {
      const io = memoryIo();
      const code = await runCli(
        ['--target', 'local', '--data-dir', join(work, 'nope'), '--model-dir', join(work, 'm')],
        {
          io,
          env: process.env,
          interrupts: new InterruptSignal(),
        },
      );
      expect(code).toBe(EXIT_CODES.missingInput);
      expect(io.stderr.join('\n')).toContain('does not exist');
    });
  },
);
