/**
 * Step outputs derived from the platform spec for one CI stage, so no workflow repeats a role name, region or
 * SSM parameter name: `role-arn`, `region`, `environment`, `project`, `session-seconds` (the role's MaxSessionDuration,
 * which the job passes as `role-duration-seconds`: STS refuses a longer session), and `ssm-<name>` for every parameter
 * the infra publishes. Fails when the job's GitHub environment differs from the stage's (its OIDC `sub` would not match
 * the role's trust policy, and AssumeRoleWithWebIdentity would fail later with a vaguer error).
 *
 * usage: tsx tools/gha/spec-outputs.ts --stage <validate|deployInfra|train|replay|approveModel|deployEndpoints|loadTest>
 *        env: AWS_ACCOUNT_ID (repository variable), JOB_ENVIRONMENT (the job's `environment:`, empty if none)
 */
import * as core from '@actions/core';
import {
  CiStage,
  ciRoleArn,
  loadPlatformSpec,
  ssmParameterNames,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { readFlags } from './args.js';

export interface StageOutputs {
  readonly [key: string]: string;
}

export function stageOutputs(
  spec: PlatformSpec,
  stage: CiStage,
  account: string,
  jobEnvironment: string,
): StageOutputs {
  if (!/^\d{12}$/.test(account)) {
    throw new Error(
      `AWS_ACCOUNT_ID must be a 12-digit account id (set the repository variable AWS_ACCOUNT_ID); got "${account}"`,
    );
  }
  const expected = spec.ci.roles[stage].environment ?? '';
  if (expected !== jobEnvironment) {
    throw new Error(
      `stage ${stage} must run in GitHub environment "${expected || '(none)'}" but the job uses "${jobEnvironment || '(none)'}": ` +
        `the role ${spec.ci.roles[stage].roleName} trusts only that environment's OIDC subject`,
    );
  }
  const ssm = Object.fromEntries(
    Object.entries(ssmParameterNames(spec)).map(([k, v]) => [
      `ssm-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      v,
    ]),
  );
  return {
    'role-arn': ciRoleArn(spec, stage, account),
    region: spec.project.region,
    environment: expected,
    project: spec.project.name,
    'session-seconds': String(spec.ci.roles[stage].maxSessionSeconds),
    ...ssm,
  };
}

export function main(argv = process.argv.slice(2), env = process.env): void {
  const flags = readFlags(argv, ['stage'], 'spec-outputs.ts --stage <stage>');
  const stage = CiStage.parse(flags.stage);
  const outputs = stageOutputs(
    loadPlatformSpec(env),
    stage,
    env['AWS_ACCOUNT_ID'] ?? '',
    env['JOB_ENVIRONMENT'] ?? '',
  );
  for (const [k, v] of Object.entries(outputs)) core.setOutput(k, v);
  core.info(
    `stage ${stage}: role ${outputs['role-arn']?.replace(/\d{12}/, '************')} in ${outputs['region']}`,
  );
}

if (process.argv[1]?.endsWith('spec-outputs.ts')) {
  try {
    main();
  } catch (err) {
    core.setFailed((err as Error).message);
  }
}
