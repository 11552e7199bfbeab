/** The faulty candidates behave as documented: checked with onnxruntime in the training venv. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDataDependentOutputModelDir,
  createNanOutputModelDir,
  createSlowModelDir,
  createUnnormalisedProbabilitiesModelDir,
} from './faulty-models.js';
import { createTinyModelDir } from './tiny-model.js';
import { toolPaths } from '@dogbreed/workspace';

const root = mkdtempSync(join(tmpdir(), 'faulty-models-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Output shape, argmax, sum and NaN count for zeros (the server's warm-up) and for a solid red image. */
const PROBE = `
import json, sys
import numpy as np, onnxruntime as ort
s = ort.InferenceSession(sys.argv[1] + "/model.onnx")
red = np.zeros((1, 3, 32, 32), np.float32); red[:, 0] = 1.0
out = {}
for name, x in (("zeros", np.zeros((1, 3, 32, 32), np.float32)), ("red", red)):
    y = s.run(None, {"input": x})[0]
    out[name] = {"shape": list(y.shape), "argmax": int(y.argmax()), "sum": float(np.nansum(y)), "nan": int(np.isnan(y).sum())}
print(json.dumps(out))
`;

interface Probe {
  shape: number[];
  argmax: number;
  sum: number;
  nan: number;
}

async function probe(dir: string): Promise<Record<'zeros' | 'red', Probe>> {
  const { stdout } = await promisify(execFile)(toolPaths.python(), ['-c', PROBE, dir], { timeout: 60_000 });
  return JSON.parse(stdout) as Record<'zeros' | 'red', Probe>;
}

describe('faulty candidate models', () => {
  it('data-dependent output: all classes for the warm-up zeros, fewer for a real image', async () => {
    const dir = join(root, 'bad');
    await createDataDependentOutputModelDir(dir);
    const r = await probe(dir);
    expect(r.zeros.shape).toEqual([1, 3]);
    expect(r.red.shape).toEqual([1, 1]);
  }, 60_000);

  it('slow: the same answers as the tiny model', async () => {
    const [fast, slow] = [join(root, 'fast'), join(root, 'slow')];
    await Promise.all([createTinyModelDir(fast), createSlowModelDir(slow, { channels: 8, convs: 2 })]);
    const [a, b] = await Promise.all([probe(fast), probe(slow)]);
    expect(b.red.argmax).toBe(a.red.argmax);
    expect(b.red.sum).toBeCloseTo(a.red.sum, 3);
    expect(b.red).toMatchObject({ shape: [1, 3], argmax: 0 });
  }, 60_000);

  it('NaN output: finite logits for the warm-up zeros, NaN for a real image', async () => {
    const dir = join(root, 'nan');
    await createNanOutputModelDir(dir);
    const r = await probe(dir);
    expect(r.zeros).toMatchObject({ shape: [1, 3], nan: 0 });
    expect(r.red).toMatchObject({ shape: [1, 3], nan: 3 });
  }, 60_000);

  it('unnormalised probabilities: a distribution for the warm-up zeros, summing to 0.5 for a real image', async () => {
    const dir = join(root, 'unnormalised');
    await createUnnormalisedProbabilitiesModelDir(dir);
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { output: { kind: string } };
    expect(meta.output.kind).toBe('probabilities');
    const r = await probe(dir);
    expect(r.zeros.sum).toBeCloseTo(1, 5);
    expect(r.red.sum).toBeCloseTo(0.5, 5);
    expect(r.red.argmax).toBe(0);
  }, 60_000);
});
