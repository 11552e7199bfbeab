/**
 * Reads the launcher's result file (`dogbreed-train --result-file`, a LaunchResult validated by the schema it was
 * written with) and sets the step outputs `model-<mode>` and `package-<mode>` (distinct names per matrix leg, so the
 * train job's outputs carry both legs' packages to the replay and approve jobs).
 *
 * usage: tsx tools/gha/model-artifact.ts --mode single|multi --result train-result.json
 */
import { existsSync, readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { parseLaunchResult, TrainingMode } from '@dogbreed/platform-spec';
import { readFlags } from './args.js';
import { RegistryGateError } from './errors.js';
import { parsePackageArn } from './model-registry.js';

/** What the train job hands on: the artifact and the package it was registered as. */
export interface TrainedModel {
  readonly modelArtifact: string;
  readonly modelPackage: string;
}

/**
 * The trained model of `mode` in a launch result file's text. A missing package fails the step: the train job
 * registers every model (`--register`), and the replay and approve jobs need its ARN.
 */
export function trainedModel(text: string, source: string, mode: TrainingMode): TrainedModel {
  const result = parseLaunchResult(text, source);
  if (result.target === 'local')
    throw new RegistryGateError(`${source} is a local run's result: the train job trains on SageMaker`);
  if (result.mode !== mode)
    throw new RegistryGateError(`${source} is the ${result.mode} model's result, not the ${mode} one's`);
  if (!result.modelPackage)
    throw new RegistryGateError(
      `${source} names no model package: the model was not registered (--register)`,
    );
  return { modelArtifact: result.modelArtifact, modelPackage: parsePackageArn(result.modelPackage).arn };
}

export function main(argv = process.argv.slice(2)): void {
  const flags = readFlags(argv, ['mode', 'result'], 'model-artifact.ts --mode single|multi --result FILE');
  const mode = TrainingMode.parse(flags.mode);
  if (!flags.result) throw new RegistryGateError('--result FILE is required');
  // The launcher writes the file only once the run succeeded: its absence means training did not finish.
  if (!existsSync(flags.result))
    throw new RegistryGateError(`no ${flags.result}: the launcher did not finish the training job`);
  const { modelArtifact, modelPackage } = trainedModel(
    readFileSync(flags.result, 'utf8'),
    flags.result,
    mode,
  );
  core.setOutput(`model-${mode}`, modelArtifact);
  core.setOutput(`package-${mode}`, modelPackage);
  void core.summary
    .addHeading(`Model (${mode})`, 3)
    .addCodeBlock(modelArtifact)
    .addRaw(`Registered as ${modelPackage} (PendingManualApproval)`, true)
    .write();
}

if (process.argv[1]?.endsWith('model-artifact.ts')) {
  try {
    main();
  } catch (err) {
    core.setFailed((err as Error).message);
  }
}
