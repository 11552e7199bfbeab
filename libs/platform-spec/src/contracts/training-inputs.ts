/**
 * What a trained model is made from, as one digest: the files the launcher packs as SageMaker's `sourcedir.tar.gz`
 * (the training package, its requirements and its pinned pretrained weights, `pretrained-weights.json`), and the
 * spec's `training` section. `--register` writes the digest into the model package's metadata, and the deploy
 * pipeline retrains only when the newest package of a group lacks the current one: a change to the invoker, a README,
 * an alarm e-mail or an SDK bump does not retrain. The packing filter lives here, so the digest and the tarball are
 * made from the same files.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { TrainingSpec } from '../spec/index.js';

/** The model package metadata key (CustomerMetadataProperties) that holds the digest. */
export const TRAINING_INPUTS_METADATA_KEY = 'trainingInputs';

/** The pretrained weights pin, relative to the training package (packed, so part of the files' hash). */
export const PRETRAINED_WEIGHTS_PIN = 'pretrained-weights.json';

/**
 * Folders never packed: tests, helper scripts and caches. Dot-folders and dot-files (`.pytest_cache`, `.venv`,
 * `.ruff_cache`) are skipped as well.
 */
const EXCLUDED_DIRS = new Set(['__pycache__', 'tests', 'scripts', 'node_modules']);
/**
 * Files never packed: byte code, the Nx project file, TypeScript helpers, docs, and the development requirements
 * (SageMaker's PyTorch container installs `requirements.txt` only).
 */
const EXCLUDED_FILES = /(\.pyc|\.pyo|project\.json|\.ts|\.md|\.rst|^requirements-dev\.txt)$/;

/** The files of `trainingDir` that go into `sourcedir.tar.gz`, relative, `/`-separated, sorted. */
export function listTrainingSourceFiles(trainingDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) {
        if (!EXCLUDED_DIRS.has(name)) walk(path);
      } else if (st.isFile() && !EXCLUDED_FILES.test(name)) {
        out.push(relative(trainingDir, path).split(sep).join('/'));
      }
    }
  };
  walk(trainingDir);
  return out.sort();
}

/** sha256 over each file's path and content hash (not archive bytes: stable across machines and tar versions). */
export function trainingFilesHash(trainingDir: string, files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f);
    h.update('\0');
    h.update(
      createHash('sha256')
        .update(readFileSync(join(trainingDir, f)))
        .digest('hex'),
    );
    h.update('\n');
  }
  return h.digest('hex');
}

/** JSON with object keys sorted at every level and undefined members dropped: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface TrainingInputsOptions {
  /** The training package (`training/` of the repository). */
  readonly trainingDir: string;
  /** The spec's `training` section in force. */
  readonly training: TrainingSpec;
  /**
   * What a run changes beyond the spec (the launcher's `--epochs`, `--data-prefix`, …); undefined members are
   * ignored, and none at all gives the digest CI computes (CI passes no overrides).
   * @default {}
   */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

/** sha256 (hex) over the packed files, the canonical `training` section and any overrides. */
export function trainingInputsDigest(options: TrainingInputsOptions): string {
  const files = listTrainingSourceFiles(options.trainingDir);
  const overrides = Object.fromEntries(
    Object.entries(options.overrides ?? {}).filter(([, v]) => v !== undefined),
  );
  const h = createHash('sha256');
  h.update('dogbreed-training-inputs/1\n');
  h.update(`files ${trainingFilesHash(options.trainingDir, files)}\n`);
  h.update(`training ${canonicalJson(options.training)}\n`);
  if (Object.keys(overrides).length > 0) h.update(`overrides ${canonicalJson(overrides)}\n`);
  return h.digest('hex');
}

/**
 * The launcher's `upload-dataset` (the other training input, not part of the digest): uploads in flight at once (S3
 * takes far more; a few keep a laptop's uplink busy without queueing thousands of requests), and about how many
 * progress lines a whole upload prints.
 */
export const DATASET_UPLOAD = { concurrency: 8, progressLines: 20 } as const;
