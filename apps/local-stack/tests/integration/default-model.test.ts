/**
 * The default model is exported once and reused: ensureModels with a stand-in for the training venv's Python (a
 * script that counts its runs, prints exporter-like noise and copies a valid model dir) shows that both endpoints
 * are written from one export, that a later ensure with the model dirs deleted starts no Python, that new weights
 * make a new export, that the noise reaches the log file and not the console, and what a failed export says.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METADATA_FILE, MODEL_FILE, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { sampleMetadata } from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';
import { ChildProcessError, ModelDirError } from '../../src/errors.js';
import { ensureModels } from '../../src/models.js';
import { removeDir } from '../e2e/harness.js';

const root = workspaceRoot();
const WEIGHTS_NAME = 'efficientnet-lite0-57934424.pth';
const NOISE_LINES = 50;

// Stands in for `.venv/bin/python -m dogbreed_training.imagenet_dogs --model-dir DIR --weights FILE`.
const FAKE_PYTHON = `#!/usr/bin/env bash
set -eu
echo "$*" >> "$FAKE_CALLS"
for i in $(seq 1 ${NOISE_LINES}); do echo "UserWarning: exporter noise line $i" >&2; done
if [ -n "\${FAKE_FAIL:-}" ]; then echo "ERROR WeightsError: $FAKE_FAIL" >&2; exit 2; fi
dir=""
while [ $# -gt 0 ]; do if [ "$1" = --model-dir ]; then dir="$2"; fi; shift; done
cp "$FAKE_TEMPLATE/${MODEL_FILE}" "$FAKE_TEMPLATE/${METADATA_FILE}" "$dir/"
echo "MODEL_DIR=$dir"
`;

let t: string;
let lines: string[];

const calls = (): string[] =>
  existsSync(join(t, 'calls'))
    ? readFileSync(join(t, 'calls'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

function ensure(env: Record<string, string> = {}, create = true) {
  return ensureModels(PLATFORM_SPEC, {
    root,
    modelsDir: join(t, 'models'),
    cacheDir: join(t, 'cache'),
    logFile: join(t, 'logs', 'export.log'),
    python: join(t, 'venv', 'bin', 'python'),
    create,
    log: (l) => lines.push(l),
    env: {
      ...process.env,
      DOGBREED_PRETRAINED_DIR: join(t, 'weights'),
      FAKE_CALLS: join(t, 'calls'),
      FAKE_TEMPLATE: join(t, 'template'),
      ...env,
    },
  });
}

const servedMetadata = (mode: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(t, 'models', mode, METADATA_FILE), 'utf8')) as Record<string, unknown>;

beforeEach(() => {
  t = mkdtempSync(join(tmpdir(), 'default-model-'));
  lines = [];
  mkdirSync(join(t, 'weights'));
  writeFileSync(join(t, 'weights', WEIGHTS_NAME), 'weights v1');
  mkdirSync(join(t, 'template'));
  writeFileSync(join(t, 'template', MODEL_FILE), 'onnx bytes');
  const meta = sampleMetadata(['a', 'b'], { kind: 'imagenet-dogs', trainingMode: 'single' });
  writeFileSync(join(t, 'template', METADATA_FILE), JSON.stringify({ ...meta, writtenBy: 'fake' }));
  mkdirSync(join(t, 'venv', 'bin'), { recursive: true });
  writeFileSync(join(t, 'venv', 'bin', 'python'), FAKE_PYTHON);
  chmodSync(join(t, 'venv', 'bin', 'python'), 0o755);
});

afterEach(() => removeDir(t));

describe('the default model', () => {
  it('is exported once for both endpoints, each dir with its own training mode', async () => {
    const models = await ensure();
    expect(calls()).toHaveLength(1);
    expect(calls()[0]).toContain(`--weights ${join(t, 'weights', WEIGHTS_NAME)}`);
    expect(models.map((m) => [m.mode, m.metadata.trainingMode, m.createdNow])).toEqual([
      ['single', 'single', true],
      ['multi', 'multi', true],
    ]);
    for (const mode of ['single', 'multi']) {
      expect(readFileSync(join(t, 'models', mode, MODEL_FILE), 'utf8')).toBe('onnx bytes');
      // The writer's fields the schema does not list are kept.
      expect(servedMetadata(mode)['writtenBy']).toBe('fake');
    }
  });

  it('is reused from the cache when the model dirs are deleted: no Python at all', async () => {
    await ensure();
    rmSync(join(t, 'models'), { recursive: true });
    lines = [];
    const models = await ensure();
    expect(calls()).toHaveLength(1);
    expect(models.map((m) => m.metadata.trainingMode)).toEqual(['single', 'multi']);
    expect(lines.some((l) => l.startsWith('reusing the default model exported earlier'))).toBe(true);
    expect(lines.some((l) => l.startsWith('writing the default model'))).toBe(false);
  });

  it('fills only the dir that lacks a model and leaves a served one alone', async () => {
    await ensure();
    writeFileSync(join(t, 'models', 'multi', MODEL_FILE), 'my own model');
    rmSync(join(t, 'models', 'single'), { recursive: true });
    const models = await ensure();
    expect(calls()).toHaveLength(1);
    expect(models.map((m) => m.createdNow)).toEqual([true, false]);
    expect(readFileSync(join(t, 'models', 'multi', MODEL_FILE), 'utf8')).toBe('my own model');
  });

  it('is exported again when the weights change, and the old export is dropped', async () => {
    await ensure();
    const [first] = readdirSync(join(t, 'cache'));
    rmSync(join(t, 'models'), { recursive: true });
    writeFileSync(join(t, 'weights', WEIGHTS_NAME), 'weights v2');
    await ensure();
    expect(calls()).toHaveLength(2);
    const entries = readdirSync(join(t, 'cache'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).not.toBe(first);
  });

  it('is exported again when tools/setup.sh installed something else into the venv', async () => {
    await ensure();
    rmSync(join(t, 'models'), { recursive: true });
    writeFileSync(join(t, 'venv', '.stamp'), '68b9a3934aa81c92\n');
    await ensure();
    expect(calls()).toHaveLength(2);
  });

  it("keeps the exporter's output in the log file: the console gets one progress line", async () => {
    await ensure();
    const log = readFileSync(join(t, 'logs', 'export.log'), 'utf8');
    expect(log).toContain(`exporter noise line ${NOISE_LINES}`);
    expect(log).toContain('MODEL_DIR=');
    expect(lines.filter((l) => l.includes('exporter noise') || l.includes('MODEL_DIR='))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('writing the default model'))).toEqual([
      `writing the default model… (log: ${join(t, 'logs', 'export.log')})`,
    ]);
  });

  it('on failure says what failed, with the end of its output and the path of the whole', async () => {
    const err = await ensure({ FAKE_FAIL: 'weights missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChildProcessError);
    const msg = (err as Error).message;
    expect(msg).toContain('writing the default model failed (exit code 2)');
    expect(msg).toContain('ERROR WeightsError: weights missing');
    expect(msg).toContain(`exporter noise line ${NOISE_LINES}`);
    expect(msg).not.toContain('exporter noise line 1\n');
    expect(msg).toContain(`full output: ${join(t, 'logs', 'export.log')}`);
    // Nothing half-written is left to be reused.
    expect(readdirSync(join(t, 'cache'))).toEqual([]);
    expect(existsSync(join(t, 'models', 'single', METADATA_FILE))).toBe(false);
  });

  it('with --no-train, a missing model dir is an error and no Python runs', async () => {
    await expect(ensure({}, false)).rejects.toBeInstanceOf(ModelDirError);
    expect(calls()).toEqual([]);
  });

  it('without the installed weights says how to install them, without starting Python', async () => {
    rmSync(join(t, 'weights', WEIGHTS_NAME));
    await expect(ensure()).rejects.toThrow(/not installed .*tools\/setup\.sh --start/);
    expect(calls()).toEqual([]);
  });
});
