import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { S3_PREFIXES } from '@dogbreed/platform-spec';
import { create as createTar } from 'tar';
import { MissingLocalInputError } from './errors.js';

/** The training package as SageMaker's `sourcedir.tar.gz`: train.py at the root, the package beside it. */
export interface SourcePackage {
  /** Files in the archive, relative to the training dir, sorted. */
  files: string[];
  /** sha256 over every file's path and content (not the archive bytes): stable across machines. */
  contentHash: string;
  /** The gzipped tar. */
  archive: Buffer;
  /** `training-source/<hash16>/sourcedir.tar.gz`. */
  key: string;
}

export const ENTRY_POINT = 'train.py';
const EXCLUDED_DIRS = new Set(['__pycache__', 'tests', 'scripts', 'node_modules']);
const EXCLUDED_FILES = /(\.pyc|\.pyo|project\.json|\.ts)$/;

/** The files that go into the package (pure apart from reading the directory). */
export function listSourceFiles(trainingDir: string): string[] {
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

export function contentHash(trainingDir: string, files: readonly string[]): string {
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

export function sourceKey(hash: string): string {
  return `${S3_PREFIXES.trainingSource}${hash.slice(0, 16)}/sourcedir.tar.gz`;
}

/** Packs `trainingDir` (fixed mtimes and modes: the same files give the same archive). */
export async function packageSource(trainingDir: string): Promise<SourcePackage> {
  if (!existsSync(join(trainingDir, ENTRY_POINT))) {
    throw new MissingLocalInputError(
      `${join(trainingDir, ENTRY_POINT)} not found: the training package is missing`,
    );
  }
  const files = listSourceFiles(trainingDir);
  const hash = contentHash(trainingDir, files);
  const stream = createTar(
    { gzip: { portable: true }, cwd: trainingDir, portable: true, mtime: new Date(0), noDirRecurse: true },
    files,
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return { files, contentHash: hash, archive: Buffer.concat(chunks), key: sourceKey(hash) };
}
