/**
 * The registry gate's view of SageMaker's model registry, shared by the replay, approve and deploy-endpoints jobs:
 * which group a training mode registers in (`spec.ci.modelRegistry.groups`), what a package ARN names, a package's
 * state, and the newest Approved package of a group. The pure parts are exported for the tests.
 */
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  type ModelPackageSummary,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  modelPackageGroup,
  modelPackageRef,
  TrainingMode,
  type ModelPackageRef,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { RegistryGateError } from './errors.js';

/** A versioned package: `arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`. */
export type PackageRef = ModelPackageRef;

/** The package ARN's group and version, or RegistryGateError for anything but a versioned package ARN. */
export function parsePackageArn(arn: string): PackageRef {
  const ref = modelPackageRef(arn);
  if (!ref)
    throw new RegistryGateError(
      `"${arn}" is not a versioned model package ARN (arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/VERSION)`,
    );
  return ref;
}

/** The group a mode registers in. */
export function groupOf(spec: PlatformSpec, mode: TrainingMode): string {
  return modelPackageGroup(spec, mode);
}

/** A package of `mode`'s group, or RegistryGateError (the gate never acts on another group's package). */
export function packageOfMode(spec: PlatformSpec, mode: TrainingMode, arn: string): PackageRef {
  const ref = parsePackageArn(arn);
  const group = groupOf(spec, mode);
  if (ref.group !== group)
    throw new RegistryGateError(`${arn} is in group ${ref.group}, not ${group} (the ${mode} model's group)`);
  return ref;
}

/** What the gate reads of a package. */
export interface PackageState extends PackageRef {
  readonly approval: string;
  readonly modelDataUrl: string;
  readonly approvalDescription?: string;
}

/** DescribeModelPackage: approval status and the artifact its (one) container serves. */
export async function describePackage(sm: SageMakerClient, arn: string): Promise<PackageState> {
  const ref = parsePackageArn(arn);
  const out = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: ref.arn }));
  const modelDataUrl = out.InferenceSpecification?.Containers?.[0]?.ModelDataUrl ?? '';
  if (!modelDataUrl) throw new RegistryGateError(`${arn} names no ModelDataUrl: it cannot be served`);
  return {
    ...ref,
    approval: out.ModelApprovalStatus ?? 'Unknown',
    modelDataUrl,
    ...(out.ApprovalDescription ? { approvalDescription: out.ApprovalDescription } : {}),
  };
}

/** The one state a step accepts, or RegistryGateError saying what the package is and what to do. */
export function requireApproval(pkg: PackageState, wanted: 'PendingManualApproval' | 'Approved'): void {
  if (pkg.approval === wanted) return;
  const todo =
    wanted === 'Approved'
      ? 'approve it first (the approve-model job, or aws sagemaker update-model-package --model-approval-status Approved); an unapproved package never reaches an endpoint'
      : 'the gate replays and approves only a freshly registered package; register a new one by training again';
  throw new RegistryGateError(`${pkg.arn} is ${pkg.approval}, not ${wanted}: ${todo}`);
}

/** The newest of a page of Approved summaries: the highest version (versions only grow within a group). */
export function newestOf(summaries: readonly ModelPackageSummary[]): PackageRef | undefined {
  return summaries
    .filter((s) => s.ModelApprovalStatus === 'Approved' && s.ModelPackageArn)
    .map((s) => parsePackageArn(s.ModelPackageArn ?? ''))
    .sort((a, b) => b.version - a.version)[0];
}

/** Summaries read per group: the newest by creation time come first, so the highest version is among them. */
export const APPROVED_PAGE = 10;

/** The newest Approved package of `group`, or undefined when the group has none (or does not exist yet). */
export async function newestApproved(sm: SageMakerClient, group: string): Promise<PackageRef | undefined> {
  try {
    const out = await sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: APPROVED_PAGE,
      }),
    );
    return newestOf(out.ModelPackageSummaryList ?? []);
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === 'ResourceNotFound' || /does not exist|not found/i.test(e.message ?? '')) return undefined;
    throw err;
  }
}

export const MODES = TrainingMode.options;
