/** Derived names: one function per name so no consumer rebuilds them by hand. */
import type { CiStage, PlatformSpec, TrainingMode } from '../spec/index.js';

/** IAM role ARN a CI stage assumes (account from the workflow's `vars.AWS_ACCOUNT_ID`). */
export function ciRoleArn(spec: PlatformSpec, stage: CiStage, account: string): string {
  return `arn:aws:iam::${account}:role/${spec.ci.roles[stage].roleName}`;
}

/**
 * The claim keys the repository's OIDC subject template must hold (GitHub: PUT
 * /repos/{owner}/{repo}/actions/oidc/customization/sub, `include_claim_keys`): with `ref` in it, a job in an
 * environment carries its branch too, so a role trusts that environment on the deploy branch only.
 */
export const GITHUB_OIDC_SUBJECT_CLAIM_KEYS = ['repo', 'context', 'ref'] as const;

/**
 * The `sub` claim GitHub puts in a stage's OIDC token once the repository's subject template holds
 * {@link GITHUB_OIDC_SUBJECT_CLAIM_KEYS}: each key adds `key:value` in order, except `context`, which adds what
 * follows the repository in the default format (`environment:ENV` for a job in an environment, else
 * `ref:refs/heads/BRANCH`). So a job in an environment gives `repo:O/R:environment:ENV:ref:refs/heads/BRANCH` and one
 * without gives `repo:O/R:ref:refs/heads/BRANCH:ref:refs/heads/BRANCH`; either way the branch is pinned. Source:
 * GitHub Docs, "OpenID Connect", section "Customizing the subject claims for an organization or repository"
 * (https://docs.github.com/en/actions/reference/security/oidc; its example for `["repo", "context",
 * "job_workflow_ref"]` is `repo:octo-org/octo-repo:environment:prod:job_workflow_ref:...`).
 */
export function ciSubjectClaim(spec: PlatformSpec, stage: CiStage): string {
  const { owner, repo, deployBranch } = spec.ci.github;
  const env = spec.ci.roles[stage].environment;
  const ref = `ref:refs/heads/${deployBranch}`;
  const claims: Record<(typeof GITHUB_OIDC_SUBJECT_CLAIM_KEYS)[number], string> = {
    repo: `repo:${owner}/${repo}`,
    context: env ? `environment:${env}` : ref,
    ref,
  };
  return GITHUB_OIDC_SUBJECT_CLAIM_KEYS.map((k) => claims[k]).join(':');
}

/**
 * The managed policies `cdk bootstrap --cloudformation-execution-policies` names, in order: `ci.bootstrap
 * .executionPolicyName` and the same name with `-2` (IAM allows 6,144 characters in one managed policy; the
 * pipeline stacks need two). The boundary stack creates both.
 */
export function cfnExecutionPolicyNames(spec: PlatformSpec): readonly [string, string] {
  const name = spec.ci.bootstrap.executionPolicyName;
  return [name, `${name}-2`];
}

/** The PyTorch training image (AWS Deep Learning Containers) for a region. */
export function pytorchTrainingImageUri(spec: PlatformSpec, region: string, device: 'cpu' | 'gpu'): string {
  const account = region.startsWith('cn-') ? '727897471807' : '763104351884';
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const { pytorchVersion, pythonVersion } = spec.training;
  const suffix = device === 'gpu' ? `gpu-${pythonVersion}-cu121` : `cpu-${pythonVersion}`;
  return `${account}.dkr.ecr.${region}.${domain}/pytorch-training:${pytorchVersion}-${suffix}-ubuntu20.04-sagemaker`;
}

/** The instance type's device kind: GPU families (g*, p*) vs CPU. */
export function instanceDevice(instanceType: string): 'cpu' | 'gpu' {
  const family = instanceType.replace(/^ml\./, '').split('.')[0] ?? '';
  return /^(g|p)\d/.test(family) ? 'gpu' : 'cpu';
}

/** The training instance type of a mode. */
export function trainingInstanceType(spec: PlatformSpec, mode: TrainingMode): string {
  return mode === 'multi' ? spec.training.multiInstanceType : spec.training.singleInstanceType;
}

/** The PyTorch training image of a mode: CPU or GPU build, from the mode's instance type. */
export function trainingImageUriFor(
  spec: PlatformSpec,
  mode: TrainingMode,
  region = spec.project.region,
): string {
  return pytorchTrainingImageUri(spec, region, instanceDevice(trainingInstanceType(spec, mode)));
}
