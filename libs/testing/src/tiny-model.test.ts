import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelMetadataSchema } from '@dogbreed/platform-spec';
import { toolPaths } from '@dogbreed/workspace';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTinyModelDir, TINY_DOG_OUTPUT } from './tiny-model.js';

describe('createTinyModelDir', () => {
  it('writes model.onnx and a metadata.json that satisfies the contract', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiny-'));
    await createTinyModelDir(dir, { classNames: ['a', 'b', 'c', 'd'], hidden: 16, layers: 1 });
    expect(existsSync(join(dir, 'model.onnx'))).toBe(true);
    const meta = ModelMetadataSchema.parse(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')));
    expect(meta.classNames).toEqual(['a', 'b', 'c', 'd']);
    expect(meta.input).toMatchObject({ name: 'input', height: 32, width: 32 });
    expect(meta.output.dog).toBeUndefined();
  }, 60_000);

  it('with dogOutput, names the second output in metadata.json: 1 minus the mean blue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiny-dog-'));
    await createTinyModelDir(dir, { dogOutput: true });
    const meta = ModelMetadataSchema.parse(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')));
    expect(meta.output.dog?.name).toBe(TINY_DOG_OUTPUT);
    const probe = [
      'import sys, json, numpy as np, onnxruntime as ort',
      's = ort.InferenceSession(sys.argv[1] + "/model.onnx")',
      'x = np.zeros((2, 3, 32, 32), np.float32); x[0, 0] = 1.0; x[1, 2] = 0.75',
      'print(json.dumps(s.run([sys.argv[2]], {"input": x})[0].tolist()))',
    ].join('\n');
    const { stdout } = await promisify(execFile)(toolPaths.python(), ['-c', probe, dir, TINY_DOG_OUTPUT]);
    expect(JSON.parse(stdout)).toEqual([[1], [0.25]]);
  }, 60_000);
});
