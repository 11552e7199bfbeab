/**
 * The default model's cache, as pure decisions: which inputs name an export (the cache key), the metadata each
 * endpoint's copy gets, which old entries to drop. Both endpoints serve the same network; only
 * `trainingMode` in metadata.json differs, so the stack exports it once and writes both model dirs from that one
 * export, and later starts reuse it while the key's inputs are unchanged (the I/O is in default-model.ts).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { canonicalJson, type TrainingMode } from '@dogbreed/platform-spec';

/**
 * Bumped when the cache's layout or the way the key is made changes, so an entry written by an older stack is never
 * read by a newer one as if it were current.
 */
export const DEFAULT_MODEL_CACHE_FORMAT = 'default-model-cache/v1';

/** The local stack's state in the checkout (the spec's model dirs and data capture sit below it too). */
export const LOCAL_STATE_DIR = '.local-stack';

/** Where exports are cached and where the export's output goes, relative to the repository root. */
export function defaultModelPaths(root: string): { readonly cacheDir: string; readonly logFile: string } {
  return {
    cacheDir: join(root, LOCAL_STATE_DIR, 'cache', 'default-model'),
    logFile: join(root, LOCAL_STATE_DIR, 'logs', 'default-model-export.log'),
  };
}

/**
 * Everything the exported bytes depend on that can change without anyone noticing.
 *
 * - `weightsSha256`: the pretrained weights file itself (hashed, not its pin: a file replaced by hand counts).
 * - `trainingFilesHash`: every file of the training package that SageMaker would get (`listTrainingSourceFiles`:
 *   the package's Python, requirements.txt, pretrained-weights.json). Wider than the export path needs: an edit to
 *   the trainer also re-exports (tens of seconds, once), whereas keying on a hand-kept list of "export-relevant"
 *   files would serve a stale model the day someone adds an import to that path and forgets the list.
 * - `python`: the interpreter's real path, so a venv rebuilt on another Python is a new key.
 * - `venvStamps`: what tools/setup.sh last installed into the venv (its stamps hold the hash of the requirements it
 *   installed), so new pins, or a venv that `npm test` completed (its onnx replaces Debian's), are a new key.
 *
 * Not in the key: Debian's torch. Its version can only be read by starting Python, which is the cost the cache
 * exists to avoid. The export was checked against PyTorch when it was written (the parity check), and an upgraded
 * torch may change the graph's bytes but not its answers; `rm -rf .local-stack/cache` forces a new one.
 */
export interface DefaultModelKeyInputs {
  readonly weightsSha256: string;
  readonly trainingFilesHash: string;
  readonly python: string;
  readonly venvStamps: string;
}

/** The cache entry's name: sha256 over the key inputs (canonical JSON, so field order does not matter). */
export function defaultModelCacheKey(inputs: DefaultModelKeyInputs): string {
  return createHash('sha256')
    .update(canonicalJson({ format: DEFAULT_MODEL_CACHE_FORMAT, ...inputs }))
    .digest('hex');
}

/**
 * The cached export's metadata.json as one endpoint serves it: the same model, that endpoint's training mode. It
 * takes the file's JSON as written rather than the parsed ModelMetadata, so fields the schema does not list survive.
 */
export function endpointMetadata(
  cached: Readonly<Record<string, unknown>>,
  mode: TrainingMode,
): Record<string, unknown> {
  return { ...cached, trainingMode: mode };
}

/** Cache entries other than `key` (older exports, to remove); in-progress exports (dot-names) are left alone. */
export function staleEntries(names: readonly string[], key: string): string[] {
  return names.filter((n) => n !== key && !n.startsWith('.'));
}
