import { METADATA_FILE, MODEL_FILE } from '@dogbreed/platform-spec';
import { sampleMetadata } from '@dogbreed/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StartupError } from '../errors.js';
import {
  checkDogOutputShape,
  checkOutputShape,
  checkSignature,
  loadModelDir,
  parseMetadata,
} from './model-dir.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'model-dir-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('loadModelDir', () => {
  it('reads metadata and model bytes', async () => {
    const d = tempDir();
    writeFileSync(join(d, METADATA_FILE), JSON.stringify(sampleMetadata()));
    writeFileSync(join(d, MODEL_FILE), Buffer.from([1, 2, 3]));
    const m = await loadModelDir(d);
    expect(m.metadata.classNames).toEqual(sampleMetadata().classNames);
    expect(m.modelBytes.length).toBe(3);
  });

  it.each([
    ['the model dir', (_d: string) => undefined, 'model dir not found'],
    ['metadata.json', (d: string) => writeFileSync(join(d, MODEL_FILE), 'x'), `${METADATA_FILE} not found`],
    [
      'model.onnx',
      (d: string) => writeFileSync(join(d, METADATA_FILE), JSON.stringify(sampleMetadata())),
      `${MODEL_FILE} not found`,
    ],
  ])('fails fast naming %s when it is missing', async (_what, setup, message) => {
    const d = tempDir();
    const target = message.startsWith('model dir') ? join(d, 'absent') : d;
    setup(d);
    await expect(loadModelDir(target)).rejects.toThrow(message);
    await expect(loadModelDir(target)).rejects.toBeInstanceOf(StartupError);
  });
});

describe('parseMetadata', () => {
  it('names each bad field', () => {
    const bad = { ...sampleMetadata(), numClasses: 7, input: { ...sampleMetadata().input, layout: 'NHWC' } };
    expect(() => parseMetadata(JSON.stringify(bad), 'm.json')).toThrow('input.layout');
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseMetadata('{', 'm.json')).toThrow('m.json is not valid JSON');
  });
});

describe('checkSignature / checkOutputShape', () => {
  const meta = sampleMetadata(['a', 'b', 'c']);

  it('accepts a matching graph', () => {
    expect(() => checkSignature(meta, { inputNames: ['input'], outputNames: ['logits'] })).not.toThrow();
    expect(() => checkOutputShape(meta, [1, 3], 1)).not.toThrow();
  });

  it('names a missing input or output', () => {
    expect(() => checkSignature(meta, { inputNames: ['x'], outputNames: ['logits'] })).toThrow(
      "input 'input'",
    );
    expect(() => checkSignature(meta, { inputNames: ['input'], outputNames: ['y'] })).toThrow(
      "output 'logits'",
    );
  });

  it('fails when the class count differs from the model output', () => {
    expect(() => checkOutputShape(meta, [1, 1000], 1)).toThrow(
      'outputs 1000 classes but metadata.json lists 3',
    );
    expect(() => checkOutputShape(meta, [1, 3, 7], 1)).toThrow('expected [1, 3]');
  });

  it('wants the dog output metadata.json names, of shape [batch, 1]', () => {
    const withDog = { ...meta, output: { ...meta.output, dog: { name: 'dog', source: 'test' } } };
    const sig = { inputNames: ['input'], outputNames: ['logits', 'dog'] };
    expect(() => checkSignature(withDog, sig)).not.toThrow();
    expect(() => checkSignature(withDog, { ...sig, outputNames: ['logits'] })).toThrow(
      "dog output 'dog' but model.onnx has outputs [logits]",
    );
    // A dog output metadata.json does not name is ignored.
    expect(() => checkSignature(meta, sig)).not.toThrow();
    expect(() => checkDogOutputShape(withDog, [4, 1], 4)).not.toThrow();
    expect(() => checkDogOutputShape(withDog, [4], 4)).toThrow(StartupError);
    expect(() => checkDogOutputShape(withDog, [4, 2], 4)).toThrow("dog output 'dog' has shape [4, 2]");
  });
});
