/**
 * deploy-endpoints' gate: the artifact each endpoint will serve comes from the model registry, never from a job
 * output: the newest Approved package of each mode's group (`spec.ci.modelRegistry.groups`). When this run trained,
 * its package (`--expect-<mode>`) must be that package, Approved: a package still pending or rejected stops the job
 * here, before `infra:deploy`, saying what to do. Sets `model-<mode>` (the ModelDataUrl) and `package-<mode>`.
 *
 * usage: tsx tools/gha/approved-models.ts [--expect-single ARN] [--expect-multi ARN]
 *        env: AWS credentials and region (the deployEndpoints role), DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON
 */
import * as core from '@actions/core';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { loadPlatformSpec, type PlatformSpec, type TrainingMode } from '@dogbreed/platform-spec';
import { readFlags } from './args.js';
import { RegistryGateError } from './errors.js';
import {
  describePackage,
  groupOf,
  MODES,
  newestApproved,
  packageOfMode,
  requireApproval,
  type PackageRef,
  type PackageState,
} from './model-registry.js';

/**
 * Which package a mode deploys (pure): the newest Approved one, which must be the run's own when it trained. Throws
 * RegistryGateError naming the package and what to do.
 */
export function chooseServing(options: {
  readonly mode: TrainingMode;
  readonly group: string;
  readonly newest: PackageRef | undefined;
  /** The package this run registered and approved; absent when training was skipped. */
  readonly expected?: PackageState;
}): string {
  const { mode, group, newest, expected } = options;
  if (expected) requireApproval(expected, 'Approved');
  if (!newest)
    throw new RegistryGateError(
      `no Approved model package for ${mode} in group ${group}: nothing may be deployed. Train and approve first ` +
        '(run the deploy workflow with force-train, then approve in the model-approval environment)',
    );
  if (expected && expected.arn !== newest.arn)
    throw new RegistryGateError(
      `${mode}: this run approved ${expected.arn} but the newest Approved package of ${group} is ${newest.arn}: ` +
        'someone approved another package meanwhile; rerun the deploy so one package is chosen on purpose',
    );
  return newest.arn;
}

export async function resolveApproved(
  sm: SageMakerClient,
  spec: PlatformSpec,
  expected: Partial<Record<TrainingMode, string>>,
): Promise<Record<TrainingMode, PackageState>> {
  const out: Partial<Record<TrainingMode, PackageState>> = {};
  const problems: string[] = [];
  for (const mode of MODES) {
    const group = groupOf(spec, mode);
    try {
      const arn = expected[mode];
      const own = arn ? await describePackage(sm, packageOfMode(spec, mode, arn).arn) : undefined;
      const chosen = chooseServing({
        mode,
        group,
        newest: await newestApproved(sm, group),
        ...(own ? { expected: own } : {}),
      });
      const pkg = own?.arn === chosen ? own : await describePackage(sm, chosen);
      requireApproval(pkg, 'Approved'); // read again: the state it is deployed in
      out[mode] = pkg;
    } catch (err) {
      if (!(err instanceof RegistryGateError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) throw new RegistryGateError(problems.join('\n'));
  return out as Record<TrainingMode, PackageState>;
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  const flags = readFlags(
    argv,
    ['expect-single', 'expect-multi'],
    'approved-models.ts [--expect-single ARN] [--expect-multi ARN]',
  );
  const spec = loadPlatformSpec(env);
  const expected: Partial<Record<TrainingMode, string>> = {};
  if (flags['expect-single']) expected.single = flags['expect-single'];
  if (flags['expect-multi']) expected.multi = flags['expect-multi'];
  const chosen = await resolveApproved(new SageMakerClient({ region: spec.project.region }), spec, expected);
  const rows = [['Endpoint', 'Approved package', 'Artifact']];
  for (const mode of MODES) {
    core.setOutput(`model-${mode}`, chosen[mode].modelDataUrl);
    core.setOutput(`package-${mode}`, chosen[mode].arn);
    core.info(`${mode}: deploys ${chosen[mode].arn} (${chosen[mode].modelDataUrl})`);
    rows.push([spec.endpoints[mode].name, chosen[mode].arn, chosen[mode].modelDataUrl]);
  }
  await core.summary.addHeading('Approved models to deploy', 3).addTable(rows).write();
}

if (process.argv[1]?.endsWith('approved-models.ts')) {
  main().catch((err: unknown) => core.setFailed((err as Error).message));
}
