import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelMetadataSchema } from '@dogbreed/platform-spec';
import { createTinyModelDir } from './tiny-model.js';

describe('createTinyModelDir', () => {
  it('writes model.onnx and a metadata.json that satisfies the contract', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiny-'));
    await createTinyModelDir(dir, { classNames: ['a', 'b', 'c', 'd'], hidden: 16, layers: 1 });
    expect(existsSync(join(dir, 'model.onnx'))).toBe(true);
    const meta = ModelMetadataSchema.parse(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')));
    expect(meta.classNames).toEqual(['a', 'b', 'c', 'd']);
    expect(meta.input).toMatchObject({ name: 'input', height: 32, width: 32 });
  }, 60_000);
});
