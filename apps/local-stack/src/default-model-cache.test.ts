/** The default model cache's pure decisions: its key, each endpoint's metadata, which entries are stale. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultModelCacheKey,
  defaultModelPaths,
  endpointMetadata,
  staleEntries,
  type DefaultModelKeyInputs,
} from './default-model-cache.js';

const inputs: DefaultModelKeyInputs = {
  weightsSha256: '579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db',
  trainingFilesHash: 'a'.repeat(64),
  python: '/usr/bin/python3.11',
  venvStamps: '.stamp-start=4bd0acd76fed4381',
};

describe('defaultModelCacheKey', () => {
  it('is a sha256 that does not depend on the order of the inputs', () => {
    const key = defaultModelCacheKey(inputs);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const reordered: DefaultModelKeyInputs = {
      venvStamps: inputs.venvStamps,
      python: inputs.python,
      trainingFilesHash: inputs.trainingFilesHash,
      weightsSha256: inputs.weightsSha256,
    };
    expect(defaultModelCacheKey(reordered)).toBe(key);
  });

  it.each([
    ['other weights', { weightsSha256: 'b'.repeat(64) }],
    ['changed training code', { trainingFilesHash: 'c'.repeat(64) }],
    ['another interpreter', { python: '/usr/bin/python3.12' }],
    [
      'a venv completed by the full set-up',
      { venvStamps: '.stamp=68b9a3934aa81c92\n.stamp-start=4bd0acd76fed4381' },
    ],
  ])('changes with %s', (_what, change) => {
    expect(defaultModelCacheKey({ ...inputs, ...change })).not.toBe(defaultModelCacheKey(inputs));
  });
});

describe('endpointMetadata', () => {
  const cached = {
    schemaVersion: 1,
    modelVersion: 'efficientnet_lite0-imagenet-dogs-57934424',
    trainingMode: 'single',
    futureField: { kept: true },
  };

  it("sets the endpoint's training mode and keeps every other field, unknown ones included", () => {
    expect(endpointMetadata(cached, 'multi')).toEqual({ ...cached, trainingMode: 'multi' });
    expect(endpointMetadata(cached, 'single')).toEqual(cached);
  });

  it('leaves the cached metadata as it was', () => {
    endpointMetadata(cached, 'multi');
    expect(cached.trainingMode).toBe('single');
  });
});

describe('staleEntries', () => {
  it('lists every other entry and leaves exports in progress alone', () => {
    expect(staleEntries(['k1', 'current', '.export-123-ab', 'k2'], 'current')).toEqual(['k1', 'k2']);
    expect(staleEntries(['current'], 'current')).toEqual([]);
  });
});

describe('defaultModelPaths', () => {
  it("keeps the cache and the export's log in the checkout's .local-stack", () => {
    expect(defaultModelPaths('/repo')).toEqual({
      cacheDir: join('/repo', '.local-stack', 'cache', 'default-model'),
      logFile: join('/repo', '.local-stack', 'logs', 'default-model-export.log'),
    });
  });
});
