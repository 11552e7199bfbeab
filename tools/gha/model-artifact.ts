/**
 * Reads the launcher's log, finds its final `MODEL_ARTIFACT=s3://...` and `MODEL_PACKAGE=arn:...` lines (the
 * launcher ran with `--register`) and sets the step outputs `model-<mode>` and `package-<mode>` (distinct names per
 * matrix leg, so the train job's outputs carry both legs' packages to the replay and approve jobs).
 *
 * usage: tsx tools/gha/model-artifact.ts --mode single|multi --log train.log
 */
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { TrainingMode } from '@dogbreed/platform-spec';
import { z } from 'zod';
import { readFlags } from './args.js';
import { RegistryGateError } from './errors.js';
import { parsePackageArn } from './model-registry.js';

const S3ModelUri = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+\.tar\.gz$/, 'must be an s3://bucket/key.tar.gz URI');

export function findModelArtifact(log: string): string {
  const lines = log.split(/\r?\n/).filter((l) => l.startsWith('MODEL_ARTIFACT='));
  const last = lines.at(-1);
  if (!last) throw new Error('the launcher log has no MODEL_ARTIFACT= line: the training job did not finish');
  return S3ModelUri.parse(last.slice('MODEL_ARTIFACT='.length).trim());
}

/** The last `MODEL_PACKAGE=` line's ARN; the train job registers every model, so its absence fails the step. */
export function findModelPackage(log: string): string {
  const last = log
    .split(/\r?\n/)
    .filter((l) => l.startsWith('MODEL_PACKAGE='))
    .at(-1);
  if (!last)
    throw new RegistryGateError(
      'the launcher log has no MODEL_PACKAGE= line: the model was not registered (--register)',
    );
  return parsePackageArn(last.slice('MODEL_PACKAGE='.length)).arn;
}

export function main(argv = process.argv.slice(2)): void {
  const flags = readFlags(argv, ['mode', 'log'], 'model-artifact.ts --mode single|multi --log FILE');
  const mode = TrainingMode.parse(flags.mode);
  if (!flags.log) throw new Error('--log FILE is required');
  const log = readFileSync(flags.log, 'utf8');
  const uri = findModelArtifact(log);
  const pkg = findModelPackage(log);
  core.setOutput(`model-${mode}`, uri);
  core.setOutput(`package-${mode}`, pkg);
  void core.summary
    .addHeading(`Model (${mode})`, 3)
    .addCodeBlock(uri)
    .addRaw(`Registered as ${pkg} (PendingManualApproval)`, true)
    .write();
}

if (process.argv[1]?.endsWith('model-artifact.ts')) {
  try {
    main();
  } catch (err) {
    core.setFailed((err as Error).message);
  }
}
