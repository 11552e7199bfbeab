import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODEL_METADATA_EXAMPLE, ModelMetadataSchema, modelMetadataJsonSchema } from '../index.js';

// The contract's example with other classes (the testing library's `sampleMetadata` would import this library).
const sampleMetadata = (classNames = MODEL_METADATA_EXAMPLE.classNames) => ({
  ...MODEL_METADATA_EXAMPLE,
  classNames,
  numClasses: classNames.length,
});

describe('model-dir contract', () => {
  it('accepts what the training package writes', () => {
    expect(ModelMetadataSchema.parse(sampleMetadata(['a', 'b', 'c']))).toMatchObject({ numClasses: 3 });
  });

  it.each([
    ['class count mismatch', { numClasses: 5 }, 'numClasses'],
    [
      'non-positive std',
      { preprocessing: { ...sampleMetadata().preprocessing, std: [0, 1, 1] } },
      'preprocessing.std',
    ],
    ['bad layout', { input: { ...sampleMetadata().input, layout: 'NHWC' } }, 'input.layout'],
  ])('rejects %s', (_n, patch, path) => {
    const result = ModelMetadataSchema.safeParse({ ...sampleMetadata(), ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('the committed JSON Schema equals the one generated from the zod schema', () => {
    const committed = JSON.parse(
      readFileSync(
        fileURLToPath(new URL('../../schemas/model-metadata.schema.json', import.meta.url)),
        'utf8',
      ),
    );
    expect(committed).toEqual(modelMetadataJsonSchema());
    expect(committed.required).toEqual(
      expect.arrayContaining(['classNames', 'input', 'preprocessing', 'modelVersion']),
    );
  });
});
