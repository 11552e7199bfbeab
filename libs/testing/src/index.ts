/** Test fixtures for every project: a spec with changes, a valid metadata.json. */
import {
  buildSpec,
  MODEL_METADATA_SCHEMA_VERSION,
  type ModelMetadata,
  type PlatformSpec,
  type SpecOverride,
} from '@dogbreed/platform-spec';

/** Defaults plus `override`, validated (tests use it to show that consumers follow the spec). */
export function specWith(override: SpecOverride): PlatformSpec {
  return buildSpec(override);
}

/** A valid metadata.json for `classNames`, as the training package writes it. */
export function sampleMetadata(
  classNames: string[] = ['cat-like', 'dog-like'],
  patch: Partial<ModelMetadata> = {},
): ModelMetadata {
  return {
    schemaVersion: MODEL_METADATA_SCHEMA_VERSION,
    modelVersion: 'test-model-1',
    createdAt: '2026-11-24T12:00:00Z',
    architecture: 'tiny-test-net',
    trainingMode: 'single',
    classNames,
    numClasses: classNames.length,
    input: { name: 'input', layout: 'NCHW', channels: 3, height: 32, width: 32, dtype: 'float32' },
    output: { name: 'logits', kind: 'logits' },
    preprocessing: {
      policy: 'resize-shorter-center-crop',
      resizeShorterSide: 36,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      colorSpace: 'RGB',
    },
    onnx: { opset: 13, dynamicBatch: true },
    framework: { torch: 'test', torchvision: 'test' },
    metrics: { val_acc: 0.5 },
    ...patch,
  };
}

export * from '@dogbreed/workspace';
export * from './moto.js';
export * from './aws-recorder.js';
export * from './tiny-model.js';
export * from './faulty-models.js';
export * from './images.js';
export * from './moto-transforms.js';
