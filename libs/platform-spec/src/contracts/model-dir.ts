import { z } from 'zod';
import { Backbone, ModelPrecision, TrainingMode } from '../spec/index.js';

/**
 * The model-dir contract between the training package (writer) and the model server (reader).
 * A model dir holds `model.onnx` + `metadata.json`; the server reads nothing else, so every preprocessing
 * parameter lives in `metadata.json`. Exported as JSON Schema (schemas/model-metadata.schema.json) which the
 * Python training tests validate their output against.
 */
export const MODEL_FILE = 'model.onnx';
export const METADATA_FILE = 'metadata.json';
export const EVALUATION_FILE = 'evaluation.json';
/** Where SageMaker unpacks a model artifact in the serving container (the model server's default model dir). */
export const SAGEMAKER_MODEL_DIR = '/opt/ml/model';
export const MODEL_METADATA_SCHEMA_VERSION = 1;

const Triple = z.tuple([z.number(), z.number(), z.number()]);

export const ModelMetadataSchema = z
  .object({
    schemaVersion: z.literal(MODEL_METADATA_SCHEMA_VERSION),
    /** Identifies this model build in responses and logs, e.g. `resnet50-single-20261124T120000Z`. */
    modelVersion: z.string().min(1).max(128),
    createdAt: z.iso.datetime({ offset: true }),
    architecture: z.union([Backbone, z.string().min(1)]),
    /**
     * `trained`: fine-tuned on the user's breeds by the training package. `imagenet-dogs`: the pretrained ImageNet
     * classifier reduced to its 118 dog classes (the local stack's default when nothing was trained). Absent = trained.
     */
    kind: z.enum(['trained', 'imagenet-dogs']).optional(),
    /** One human-readable line saying what this model is (logs, dashboard). */
    description: z.string().min(1).max(300).optional(),
    trainingMode: TrainingMode,
    /** Class names in output-index order (ImageFolder's sorted folder names). */
    classNames: z.array(z.string().min(1)).min(1),
    numClasses: z.number().int().positive(),
    input: z.object({
      /** ONNX graph input name. */
      name: z.string().min(1),
      layout: z.literal('NCHW'),
      channels: z.literal(3),
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      dtype: z.literal('float32'),
    }),
    output: z.object({
      /** ONNX graph output name. */
      name: z.string().min(1),
      /** `logits` → the server applies softmax; `probabilities` → used as is. */
      kind: z.enum(['logits', 'probabilities']),
      /**
       * The "is it a dog?" output: a second ONNX output of shape [N, 1] holding the probability that the photo shows
       * a dog (the backbone's pretrained ImageNet head, softmax over its 1000 classes, summed over the dog classes
       * 151–268). `source` says which head and backbone it comes from. Absent in models exported before it existed:
       * the server then answers no `dog` field.
       */
      dog: z.object({ name: z.string().min(1), source: z.string().min(1) }).optional(),
    }),
    preprocessing: z.object({
      /**
       * `resize-shorter-center-crop`: resize so the shorter side is `resizeShorterSide`, then centre-crop
       * to input height×width (torchvision Resize + CenterCrop). `stretch`: resize straight to height×width.
       */
      policy: z.enum(['resize-shorter-center-crop', 'stretch']),
      resizeShorterSide: z.number().int().positive(),
      /** Pixel values are scaled to 0..1, then (x - mean) / std per RGB channel. */
      mean: Triple,
      std: Triple.refine((s) => s.every((v) => v > 0), 'std values must be positive'),
      colorSpace: z.literal('RGB'),
    }),
    onnx: z.object({ opset: z.number().int().min(7), dynamicBatch: z.boolean() }),
    /**
     * What model.onnx computes in (`shipped`) against what the spec asked for (`training.export.precision`). The
     * input and outputs stay float32 either way: an INT8 model quantizes inside the graph. `int8Guard`: INT8's
     * accuracy check on the test split when it was tried; `reason`: why float32 shipped when INT8 was asked for.
     * Absent in models exported before it existed (float32).
     */
    precision: z
      .object({
        shipped: ModelPrecision,
        requested: ModelPrecision,
        reason: z.string().min(1).optional(),
        int8Guard: z
          .object({
            float32Top1: z.number().min(0).max(1),
            int8Top1: z.number().min(0).max(1),
            top1DropPoints: z.number(),
            agreement: z.number().min(0).max(1),
            images: z.number().int().positive(),
            calibrationImages: z.number().int().positive(),
            maxTop1DropPoints: z.number().min(0),
            minAgreement: z.number().min(0).max(1),
            passed: z.boolean(),
          })
          .optional(),
      })
      .optional(),
    framework: z.record(z.string(), z.string()),
    /** Final metrics (val_acc, val_loss, test_top1, ...). */
    metrics: z.record(z.string(), z.number()),
    hyperparameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .refine((m) => m.numClasses === m.classNames.length, {
    message: 'numClasses must equal the number of classNames',
    path: ['numClasses'],
  });
export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;

/** `metadata.json` text checked against the contract: the metadata, or a message naming the file and every bad field. */
export type ModelMetadataCheck =
  | { readonly ok: true; readonly metadata: ModelMetadata }
  | { readonly ok: false; readonly message: string; readonly cause: unknown };

/**
 * The one reading of `metadata.json` text, for every app that opens a model dir (each throws its own error with the
 * message): `where` names the file in the message.
 */
export function checkModelMetadata(text: string, where: string): ModelMetadataCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `${where} is not valid JSON: ${(err as Error).message}`, cause: err };
  }
  const parsed = ModelMetadataSchema.safeParse(value);
  if (parsed.success) return { ok: true, metadata: parsed.data };
  const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
  return {
    ok: false,
    message: `${where} breaks the model-dir contract:\n${lines.join('\n')}`,
    cause: parsed.error,
  };
}

/** JSON Schema of metadata.json (draft 2020-12), for non-TypeScript readers and writers. */
export function modelMetadataJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ModelMetadataSchema, { target: 'draft-2020-12', io: 'input' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://dogbreed.dev/schemas/model-metadata.schema.json',
    title: 'dogbreed model-dir metadata.json',
    description:
      'Written by the training package next to model.onnx; read by the model server. Generated from the zod schema in libs/platform-spec/src/contracts/model-dir.ts — do not edit by hand.',
  };
}
