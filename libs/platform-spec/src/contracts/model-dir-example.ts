/**
 * One complete, valid `metadata.json`, as the training package writes it: the model-dir contract's worked example.
 * The contract's own tests and the shared test fixtures (`sampleMetadata` in `@dogbreed/testing`) both start from
 * it, so the example and the fixtures cannot drift apart.
 */
import { MODEL_METADATA_SCHEMA_VERSION, type ModelMetadata } from './model-dir.js';

export const MODEL_METADATA_EXAMPLE: ModelMetadata = {
  schemaVersion: MODEL_METADATA_SCHEMA_VERSION,
  modelVersion: 'test-model-1',
  createdAt: '2026-11-24T12:00:00Z',
  architecture: 'tiny-test-net',
  trainingMode: 'single',
  classNames: ['cat-like', 'dog-like'],
  numClasses: 2,
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
};
