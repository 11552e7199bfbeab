/**
 * The training package as SageMaker's `sourcedir.tar.gz`: the files the platform spec's packing filter selects
 * (`listTrainingSourceFiles`), under a key named by their content hash, packed reproducibly.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listTrainingSourceFiles, S3_PREFIXES, trainingFilesHash } from '@dogbreed/platform-spec';
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
  // The spec's filter: the training-inputs digest a package is registered with reads the same files.
  const files = listTrainingSourceFiles(trainingDir);
  const hash = trainingFilesHash(trainingDir, files);
  const stream = createTar(
    { gzip: { portable: true }, cwd: trainingDir, portable: true, mtime: new Date(0), noDirRecurse: true },
    files,
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return { files, contentHash: hash, archive: Buffer.concat(chunks), key: sourceKey(hash) };
}
