/**
 * The training inputs' digest (what decides whether the deploy pipeline retrains) and the spec's rule that a CI
 * training job ends within the train job (GitHub's 6 h limit and the train role's session).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSpec } from '../spec/load.js';
import { GITHUB_HOSTED_JOB_MAX_SECONDS, TRAIN_JOB_MARGIN_SECONDS } from '../spec/index.js';
import { DEFAULT_SPEC } from '../spec/defaults.js';
import {
  canonicalJson,
  listTrainingSourceFiles,
  PRETRAINED_WEIGHTS_PIN,
  trainingInputsDigest,
} from './training-inputs.js';

const REPO_TRAINING = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'training');
const spec = buildSpec();

let dir: string;
function put(rel: string, text: string): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
}
const digest = (training = spec.training, overrides?: Record<string, unknown>): string =>
  trainingInputsDigest({ trainingDir: dir, training, ...(overrides ? { overrides } : {}) });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'training-inputs-'));
  put('train.py', 'print("train")\n');
  put('dogbreed_training/model.py', 'NET = 1\n');
  put('requirements.txt', 'torch\n');
  put(PRETRAINED_WEIGHTS_PIN, '{"backbones": {}}\n');
  put('README.md', '# docs\n');
  put('requirements-dev.txt', 'pytest\n');
  put('project.json', '{}\n');
  put('tests/test_model.py', 'def test(): pass\n');
  put('scripts/export.ts', 'export {};\n');
  put('dogbreed_training/__pycache__/model.cpython-311.pyc', 'bytecode');
  put('.pytest_cache/v/cache', 'x');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('listTrainingSourceFiles (the sourcedir.tar.gz filter)', () => {
  it('packs the package, its requirements and the weights pin; not tests, docs, scripts or caches', () => {
    expect(listTrainingSourceFiles(dir)).toEqual([
      'dogbreed_training/model.py',
      PRETRAINED_WEIGHTS_PIN,
      'requirements.txt',
      'train.py',
    ]);
  });

  it("the repository's training package packs its entry point and the weights pin", () => {
    const files = listTrainingSourceFiles(REPO_TRAINING);
    expect(files).toContain('train.py');
    expect(files).toContain(PRETRAINED_WEIGHTS_PIN);
    expect(files.some((f) => f.startsWith('tests/') || f.endsWith('.md'))).toBe(false);
  });
});

describe('trainingInputsDigest', () => {
  it('is a sha256 and stable', () => {
    expect(digest()).toMatch(/^[0-9a-f]{64}$/);
    expect(digest()).toBe(digest());
  });

  it.each([
    ['a packed source file', () => put('dogbreed_training/model.py', 'NET = 2\n')],
    ['the pretrained weights pin', () => put(PRETRAINED_WEIGHTS_PIN, '{"backbones": {"x": {}}}\n')],
    ['a new packed file', () => put('dogbreed_training/extra.py', '\n')],
  ])('changes with %s', (_name, change) => {
    const before = digest();
    change();
    expect(digest()).not.toBe(before);
  });

  it.each([
    ['a README', () => put('README.md', '# other docs\n')],
    ['a test', () => put('tests/test_model.py', 'def test(): assert 1\n')],
    ['a cache', () => put('dogbreed_training/__pycache__/x.pyc', 'other')],
    ['the dev requirements', () => put('requirements-dev.txt', 'pytest==9\n')],
  ])('does not change with %s', (_name, change) => {
    const before = digest();
    change();
    expect(digest()).toBe(before);
  });

  it("follows the spec's training section only", () => {
    const before = digest();
    expect(digest(buildSpec({ alarms: { emails: ['ops@example.com'] } }).training)).toBe(before);
    expect(digest(buildSpec({ invoker: { defaultTopK: 2 } }).training)).toBe(before);
    expect(digest(buildSpec({ training: { hyperparameters: { epochs: 11 } } }).training)).not.toBe(before);
    expect(digest(buildSpec({ training: { multiInstanceType: 'ml.g5.xlarge' } }).training)).not.toBe(before);
  });

  it('a run with overrides (the launcher --epochs) is another input; undefined overrides are none', () => {
    expect(digest(spec.training, { epochs: 1 })).not.toBe(digest());
    expect(digest(spec.training, { epochs: undefined })).toBe(digest());
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });
});

describe('a CI training job ends within the train job', () => {
  it("GitHub's limit is 6 h; the defaults fit it with the margin", () => {
    expect(GITHUB_HOSTED_JOB_MAX_SECONDS).toBe(21_600);
    const t = DEFAULT_SPEC.training;
    expect(t.maxWaitSeconds + TRAIN_JOB_MARGIN_SECONDS).toBeLessThanOrEqual(GITHUB_HOSTED_JOB_MAX_SECONDS);
    expect(t.maxWaitSeconds).toBeGreaterThanOrEqual(t.maxRuntimeSeconds);
  });

  it.each([
    ['spot max wait of 8 h', { training: { maxWaitSeconds: 8 * 3600 } }],
    [
      'on-demand max runtime of 6 h',
      { training: { spot: false, maxRuntimeSeconds: 6 * 3600, maxWaitSeconds: 6 * 3600 } },
    ],
    [
      'a train session of 5 h',
      { ci: { roles: { train: { roleName: 'dogbreed-ci-train', maxSessionSeconds: 5 * 3600 } } } },
    ],
    [
      'a 12 h session with a 7 h max wait (GitHub still cancels at 6 h)',
      {
        training: { maxWaitSeconds: 7 * 3600 },
        ci: { roles: { train: { roleName: 'dogbreed-ci-train', maxSessionSeconds: 12 * 3600 } } },
      },
    ],
  ])('refuses a %s, naming training.maxWaitSeconds', (_name, override) => {
    expect(() => buildSpec(override)).toThrow(/training\.maxWaitSeconds: .*must fit/);
  });
});
