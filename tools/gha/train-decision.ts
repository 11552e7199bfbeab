/**
 * Decides whether the deploy pipeline trains new models, by what they are made of rather than by what changed: the
 * digest of the training inputs (`trainingInputsDigest`: the files the launcher packs from `training/`, the spec's
 * `training` section, the pretrained weights pin), compared with the digest the launcher's `--register` wrote into
 * the newest model package of each mode's group, whatever its status. Every group's newest package carries the
 * current digest → no training: a change to the invoker, a README, an alarm e-mail or an SDK bump does not retrain,
 * and neither does the push after a replay rejected a candidate or an approval was refused (the inputs did not
 * change, so a new run would train the same model). Forced by workflow_dispatch → training.
 *
 * usage: tsx tools/gha/train-decision.ts --force true|false
 *        env: AWS credentials and region (the validate role: sagemaker:ListModelPackages and
 *        sagemaker:DescribeModelPackage on the two groups), DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON
 * outputs: train (true|false), reason, inputs (the digest)
 */
import { join } from 'node:path';
import * as core from '@actions/core';
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  loadPlatformSpec,
  TRAINING_INPUTS_METADATA_KEY,
  TrainingMode,
  trainingInputsDigest,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { readFlags } from './args.js';
import { GhaError } from './errors.js';
import { groupOf } from './model-registry.js';

/** `--force` is neither true nor false. */
export class TrainDecisionInputError extends GhaError {}

/** The newest package of a group, as the decision reads it. */
export interface NewestPackage {
  readonly arn: string;
  readonly status: string;
  /** The digest it was registered with; undefined for a package registered before digests existed. */
  readonly inputs: string | undefined;
}

export interface TrainDecision {
  readonly train: boolean;
  readonly reason: string;
  /** The current digest (the `inputs` output). */
  readonly inputs: string;
}

/** The group's name and its newest package (undefined: no package, or no group yet). */
export interface GroupState {
  readonly group: string;
  readonly newest: NewestPackage | undefined;
}

function short(digest: string): string {
  return digest.slice(0, 12);
}

/** The decision (pure). */
export function decideTraining(
  forced: boolean,
  inputs: string,
  groups: readonly GroupState[],
): TrainDecision {
  if (forced) return { train: true, reason: 'forced by workflow_dispatch input force-train', inputs };
  const lacking = groups.flatMap(({ group, newest }) => {
    if (!newest) return [`first deploy: no package in ${group}`];
    if (newest.inputs === undefined)
      return [`${group}'s newest package ${newest.arn} (${newest.status}) carries no training-inputs digest`];
    if (newest.inputs !== inputs)
      return [
        `${group}'s newest package ${newest.arn} (${newest.status}) was trained from other inputs (${short(newest.inputs)}…, now ${short(inputs)}…)`,
      ];
    return [];
  });
  if (lacking.length > 0) return { train: true, reason: lacking.join('; '), inputs };
  const packages = groups.map(({ newest }) => `${newest?.arn} (${newest?.status})`).join(', ');
  return {
    train: false,
    reason: `the newest package of every group was trained from the current inputs (${short(inputs)}…): ${packages}`,
    inputs,
  };
}

function isMissingGroup(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e.name === 'ResourceNotFound' || /does not exist|not found|could not find/i.test(e.message ?? '');
}

/** The newest package of `group` of any status (ListModelPackages newest first, one; then its metadata). */
export async function newestPackage(sm: SageMakerClient, group: string): Promise<NewestPackage | undefined> {
  let arn: string | undefined;
  try {
    const out = await sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: group,
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      }),
    );
    arn = out.ModelPackageSummaryList?.[0]?.ModelPackageArn;
  } catch (err) {
    if (isMissingGroup(err)) return undefined;
    throw err;
  }
  if (!arn) return undefined;
  const pkg = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  return {
    arn,
    status: pkg.ModelApprovalStatus ?? 'Unknown',
    inputs: pkg.CustomerMetadataProperties?.[TRAINING_INPUTS_METADATA_KEY],
  };
}

/** Computes the digest and reads both groups (none when forced) and decides. */
export async function trainDecision(
  sm: SageMakerClient,
  options: { readonly spec: PlatformSpec; readonly trainingDir: string; readonly forced: boolean },
): Promise<TrainDecision> {
  const inputs = trainingInputsDigest({ trainingDir: options.trainingDir, training: options.spec.training });
  if (options.forced) return decideTraining(true, inputs, []);
  const groups: GroupState[] = [];
  for (const mode of TrainingMode.options) {
    const group = groupOf(options.spec, mode);
    groups.push({ group, newest: await newestPackage(sm, group) });
  }
  return decideTraining(false, inputs, groups);
}

export function parseForce(value: string | undefined): boolean {
  if (value === 'true') return true;
  if (value === 'false' || value === '' || value === undefined) return false;
  throw new TrainDecisionInputError(`--force must be true or false, not "${value}"`);
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  const flags = readFlags(argv, ['force'], 'train-decision.ts --force true|false');
  const spec = loadPlatformSpec(env);
  const decision = await trainDecision(new SageMakerClient({ region: spec.project.region }), {
    spec,
    trainingDir: join(import.meta.dirname, '..', '..', 'training'),
    forced: parseForce(flags.force),
  });
  core.setOutput('train', String(decision.train));
  core.setOutput('reason', decision.reason);
  core.setOutput('inputs', decision.inputs);
  core.info(`train=${decision.train}: ${decision.reason}`);
}

if (process.argv[1]?.endsWith('train-decision.ts')) {
  main().catch((err: unknown) => core.setFailed((err as Error).message));
}
