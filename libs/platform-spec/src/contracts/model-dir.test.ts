import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkModelMetadata,
  MODEL_METADATA_EXAMPLE,
  ModelMetadataSchema,
  modelMetadataJsonSchema,
} from '../index.js';

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
    ['unknown precision', { precision: { shipped: 'fp16', requested: 'float32' } }, 'precision.shipped'],
  ])('rejects %s', (_n, patch, path) => {
    const result = ModelMetadataSchema.safeParse({ ...sampleMetadata(), ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('accepts the precision block of an INT8 export that fell back to float32', () => {
    const precision = {
      shipped: 'float32',
      requested: 'int8',
      reason: 'INT8 not shipped, float32 instead: top-1 drops 0.8 pt (> 0.5 pt allowed)',
      int8Guard: {
        float32Top1: 0.942,
        int8Top1: 0.933,
        top1DropPoints: 0.83,
        agreement: 0.992,
        images: 120,
        calibrationImages: 128,
        maxTop1DropPoints: 0.5,
        minAgreement: 0.99,
        passed: false,
      },
    };
    expect(ModelMetadataSchema.parse({ ...sampleMetadata(), precision }).precision).toEqual(precision);
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

describe('checkModelMetadata: the one reading of metadata.json text', () => {
  it('returns the metadata of a valid file', () => {
    const checked = checkModelMetadata(JSON.stringify(sampleMetadata(['a', 'b'])), 'm/metadata.json');
    expect(checked).toMatchObject({ ok: true, metadata: { numClasses: 2, classNames: ['a', 'b'] } });
  });

  it('names the file when the text is not JSON', () => {
    const checked = checkModelMetadata('{', 'm/metadata.json');
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.message).toMatch(/^m\/metadata\.json is not valid JSON: /);
      expect(checked.cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('names the file and every field that breaks the contract, one a line', () => {
    const bad = { ...sampleMetadata(), numClasses: 5, input: { ...sampleMetadata().input, layout: 'NHWC' } };
    const checked = checkModelMetadata(JSON.stringify(bad), 'm/metadata.json');
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      const [head, ...lines] = checked.message.split('\n');
      expect(head).toBe('m/metadata.json breaks the model-dir contract:');
      expect(lines.map((l) => l.split(':')[0])).toEqual(expect.arrayContaining(['  - input.layout']));
    }
  });
});
