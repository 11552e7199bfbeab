import { resolve } from 'node:path';
import type { TrainingMode } from '@dogbreed/platform-spec';
import { hyperparameterArgv, type EffectiveHyperparameters } from '../hyperparameters.js';

export interface LocalRunPlan {
  python: string;
  trainingDir: string;
  mode: TrainingMode;
  dataDir: string;
  modelDir: string;
  /** Processes for multi mode (torchrun's nproc per node). */
  processes: number;
  hyperparameters: EffectiveHyperparameters;
  pretrainedWeights?: string;
}

/** Default number of local processes in multi mode. */
export const DEFAULT_LOCAL_PROCESSES = 2;

/** Training history and checkpoints of a local run: beside the model dir, one per model dir (no cross-run resume). */
export function localOutputDir(modelDir: string): string {
  return `${resolve(modelDir)}-output`;
}

/**
 * The command line (pure): `python train.py ...` for single, torchrun for multi. `--nproc_per_node` with an
 * underscore: torch 1.13 knows only that spelling, torch 2.x both. `--redirects 1 --tee 1`: torch 1.13 on
 * Python 3.11 cannot parse the default `0` (IntFlag iteration skips zero) and crashes; teeing stdout
 * works on both and keeps the ranks' output streaming (prefixed `[default<rank>]:`).
 */
export function localCommand(plan: LocalRunPlan): { command: string; args: string[] } {
  const script = resolve(plan.trainingDir, 'train.py');
  const launcher =
    plan.mode === 'multi'
      ? [
          '-m',
          'torch.distributed.run',
          '--standalone',
          `--nproc_per_node=${plan.processes}`,
          '--redirects',
          '1',
          '--tee',
          '1',
          script,
        ]
      : [script];
  const args = [
    ...launcher,
    '--data-dir',
    resolve(plan.dataDir),
    '--model-dir',
    resolve(plan.modelDir),
    '--output-dir',
    localOutputDir(plan.modelDir),
    ...hyperparameterArgv(plan.hyperparameters),
    ...(plan.pretrainedWeights ? ['--pretrained-weights', resolve(plan.pretrainedWeights)] : []),
  ];
  return { command: plan.python, args };
}

/** The child's environment: ours, plus one thread per process in multi mode unless set (no oversubscription). */
export function localEnv(plan: LocalRunPlan, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONUNBUFFERED: '1' };
  if (plan.mode === 'multi' && !env['OMP_NUM_THREADS']) env['OMP_NUM_THREADS'] = '1';
  return env;
}
