import type { TrainingSpec } from '@dogbreed/platform-spec';
import type { HyperparameterOverrides, LauncherBackbone } from './args.js';

/** The hyperparameters of one run: the spec's values with the command line's overrides applied. */
export interface EffectiveHyperparameters {
  backbone: LauncherBackbone;
  epochs: number;
  batchSize: number;
  learningRate: number;
  freezeBackbone: boolean;
  earlyStoppingPatience: number;
  imageSize: number;
  /** Only sent when given (0 = all steps is the trainer's own default). */
  maxStepsPerEpoch?: number;
}

export function effectiveHyperparameters(
  spec: TrainingSpec['hyperparameters'],
  overrides: HyperparameterOverrides,
): EffectiveHyperparameters {
  const hp: EffectiveHyperparameters = {
    backbone: overrides.backbone ?? spec.backbone,
    epochs: overrides.epochs ?? spec.epochs,
    batchSize: overrides.batchSize ?? spec.batchSize,
    learningRate: overrides.learningRate ?? spec.learningRate,
    freezeBackbone: spec.freezeBackbone,
    earlyStoppingPatience: spec.earlyStoppingPatience,
    imageSize: overrides.imageSize ?? spec.imageSize,
  };
  if (overrides.maxStepsPerEpoch !== undefined) hp.maxStepsPerEpoch = overrides.maxStepsPerEpoch;
  return hp;
}

/** train.py's flag names (training/README.md, "Interface"), in a fixed order. */
export function hyperparameterFlags(hp: EffectiveHyperparameters): Record<string, string> {
  const flags: Record<string, string> = {
    backbone: hp.backbone,
    epochs: String(hp.epochs),
    'batch-size': String(hp.batchSize),
    lr: String(hp.learningRate),
    'freeze-backbone': hp.freezeBackbone ? 'true' : 'false',
    'early-stopping-patience': String(hp.earlyStoppingPatience),
    'image-size': String(hp.imageSize),
  };
  if (hp.maxStepsPerEpoch !== undefined) flags['max-steps-per-epoch'] = String(hp.maxStepsPerEpoch);
  return flags;
}

/** As command-line arguments: `--backbone resnet50 --epochs 10 ...`. */
export function hyperparameterArgv(hp: EffectiveHyperparameters): string[] {
  return Object.entries(hyperparameterFlags(hp)).flatMap(([k, v]) => [`--${k}`, v]);
}
