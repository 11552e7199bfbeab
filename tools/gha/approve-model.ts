/**
 * The approve-model job (GitHub environment `model-approval`: its required reviewers are the manual approval, and the
 * job's role trusts only that environment): sets each package this run registered and replayed to Approved, with the
 * replay's verdict and the run's URL as ApprovalDescription. Only a package still PendingManualApproval in its mode's
 * group is approved; anything else stops the job.
 *
 * usage: tsx tools/gha/approve-model.ts --package-single ARN --package-multi ARN --verdict-single TEXT --verdict-multi TEXT
 *        env: AWS credentials and region (the approveModel role); GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID
 */
import * as core from '@actions/core';
import {
  SageMakerClient,
  UpdateModelPackageCommand,
  type UpdateModelPackageInput,
} from '@aws-sdk/client-sagemaker';
import { loadPlatformSpec, type PlatformSpec, type TrainingMode } from '@dogbreed/platform-spec';
import { readFlags } from './args.js';
import { RegistryGateError } from './errors.js';
import { describePackage, MODES, packageOfMode, requireApproval } from './model-registry.js';

/** SageMaker's limit on ApprovalDescription. */
export const APPROVAL_DESCRIPTION_MAX = 1024;

/** The run's URL from the runner's default environment ('' outside GitHub Actions). */
export function runUrl(env: NodeJS.ProcessEnv): string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : '';
}

/** UpdateModelPackage (pure): Approved, with the verdict it was approved on. */
export function approvalRequest(arn: string, verdict: string, url: string): UpdateModelPackageInput {
  if (!verdict.trim())
    throw new RegistryGateError(
      `no replay verdict for ${arn}: the replay did not run, so it is not approved`,
    );
  const description = `${verdict.trim()}; approved through the GitHub environment reviewers${url ? ` (${url})` : ''}`;
  return {
    ModelPackageArn: arn,
    ModelApprovalStatus: 'Approved',
    ApprovalDescription: description.slice(0, APPROVAL_DESCRIPTION_MAX),
  };
}

export async function approve(
  sm: SageMakerClient,
  spec: PlatformSpec,
  packages: Partial<Record<TrainingMode, string>>,
  verdicts: Partial<Record<TrainingMode, string>>,
  url: string,
): Promise<string[]> {
  const requests: UpdateModelPackageInput[] = [];
  // Every package is checked before any is approved: both endpoints move together or not at all.
  for (const mode of MODES) {
    const arn = packages[mode];
    if (!arn) throw new RegistryGateError(`no ${mode} package to approve: train registered none`);
    const pkg = await describePackage(sm, packageOfMode(spec, mode, arn).arn);
    requireApproval(pkg, 'PendingManualApproval');
    requests.push(approvalRequest(pkg.arn, verdicts[mode] ?? '', url));
  }
  for (const request of requests) await sm.send(new UpdateModelPackageCommand(request));
  return requests.map((r) => r.ModelPackageArn ?? '');
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  const flags = readFlags(
    argv,
    ['package-single', 'package-multi', 'verdict-single', 'verdict-multi'],
    'approve-model.ts --package-single ARN --package-multi ARN --verdict-single TEXT --verdict-multi TEXT',
  );
  const spec = loadPlatformSpec(env);
  const approved = await approve(
    new SageMakerClient({ region: spec.project.region }),
    spec,
    { single: flags['package-single'], multi: flags['package-multi'] },
    { single: flags['verdict-single'], multi: flags['verdict-multi'] },
    runUrl(env),
  );
  for (const arn of approved) core.info(`approved ${arn}`);
  await core.summary.addHeading('Approved model packages', 3).addList(approved).write();
}

if (process.argv[1]?.endsWith('approve-model.ts')) {
  main().catch((err: unknown) => core.setFailed((err as Error).message));
}
