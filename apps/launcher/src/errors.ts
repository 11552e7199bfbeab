/**
 * Every failure the launcher reports, as typed errors with a readable message and a distinct exit code.
 * `toLauncherError` maps anything thrown (AWS SDK exceptions included) onto one of them.
 */

export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  credentials: 3,
  missingInput: 4,
  quota: 5,
  capacity: 6,
  validation: 7,
  trainingFailed: 8,
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Base class: `exitCode` is what the process exits with, `hint` an optional next step for the user. */
export class LauncherError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  constructor(message: string, exitCode: ExitCode, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options?.hint;
  }
}

/** Bad command-line arguments. */
export class UsageError extends LauncherError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT_CODES.usage, options);
  }
}

/** No AWS credentials could be found by the SDK's provider chain. */
export class MissingCredentialsError extends LauncherError {
  constructor(options?: ErrorOptions) {
    super('No AWS credentials found.', EXIT_CODES.credentials, {
      ...options,
      hint: 'Set AWS_PROFILE (aws sso login / aws configure) or AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, or use --dry-run.',
    });
  }
}

/** A dataset channel (or the pretrained weights) is not in S3. */
export class MissingChannelError extends LauncherError {
  readonly channels: readonly string[];
  constructor(missing: readonly { channel: string; uri: string }[]) {
    super(
      `Dataset channel(s) missing in S3: ${missing.map((m) => `${m.channel} (${m.uri})`).join(', ')}`,
      EXIT_CODES.missingInput,
      {
        hint: 'Upload the dataset (ImageFolder train/ valid/ test/) to the data bucket or pass --data-prefix.',
      },
    );
    this.channels = missing.map((m) => m.channel);
  }
}

/** An SSM parameter the infra should have published is absent (infra not deployed?). */
export class MissingInfraParameterError extends LauncherError {
  constructor(names: readonly string[], options?: ErrorOptions) {
    super(`SSM parameter(s) not found: ${names.join(', ')}`, EXIT_CODES.missingInput, {
      ...options,
      hint: 'Deploy the infra stacks first (they publish bucket names, role ARN, subnets and the instance id in SSM); the EC2 trainer (and its instance id) exists only when the spec pins its AMI in training.ec2AmiId.',
    });
  }
}

/** The dataset folder given to `upload-dataset` is not in the ImageFolder layout `train` reads. */
export class DatasetLayoutError extends LauncherError {
  readonly problems: readonly string[];
  constructor(dir: string, problems: readonly string[]) {
    super(
      `${dir} is not a dataset in the layout training reads:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      EXIT_CODES.missingInput,
      {
        hint: 'Expected DIR/train/<class>/<image>, DIR/valid/<class>/<image>, DIR/test/<class>/<image>, with the same class folders in each split and only image files in them.',
      },
    );
    this.problems = problems;
  }
}

/** A local file the launcher needs is absent or unreadable. */
export class MissingLocalInputError extends LauncherError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT_CODES.missingInput, options);
  }
}

/** The account's quota for the instance type is too low (SageMaker ResourceLimitExceeded). */
export class InstanceQuotaError extends LauncherError {
  constructor(detail: string, options?: ErrorOptions) {
    super(`Instance quota exceeded: ${detail}`, EXIT_CODES.quota, {
      ...options,
      hint: 'Request a quota increase in Service Quotas (SageMaker: "<type> for training job usage" / "... spot training job usage").',
    });
  }
}

/** AWS had no capacity for the instance type right now. */
export class CapacityError extends LauncherError {
  constructor(detail: string, options?: ErrorOptions) {
    super(`No capacity for the instance type: ${detail}`, EXIT_CODES.capacity, {
      ...options,
      hint: 'Retry later, in another region, with another instance type, or with spot training (longer max wait).',
    });
  }
}

/** AWS refused the request as invalid. */
export class RequestValidationError extends LauncherError {
  constructor(detail: string, options?: ErrorOptions) {
    super(`AWS rejected the request: ${detail}`, EXIT_CODES.validation, options);
  }
}

/** The training ran but did not complete. */
export class TrainingFailedError extends LauncherError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, EXIT_CODES.trainingFailed, options);
  }
}

/** The user interrupted the launcher (the remote job may still run). */
export class InterruptedError extends LauncherError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_CODES.interrupted, { hint });
  }
}

function errorName(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  return String(e.name ?? e.Code ?? e.code ?? '');
}

const QUOTA_NAMES = new Set([
  'ResourceLimitExceeded',
  'ServiceQuotaExceededException',
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
]);
const CAPACITY_NAMES = new Set([
  'CapacityError',
  'InsufficientInstanceCapacity',
  'InsufficientCapacityException',
]);
const VALIDATION_NAMES = new Set([
  'ValidationException',
  'ValidationError',
  'InvalidParameterValue',
  'InvalidParameterException',
]);
const CREDENTIAL_NAMES = new Set([
  'CredentialsProviderError',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  // EC2 and S3 name an unknown or invalid key differently from the JSON services.
  'AuthFailure',
  'InvalidAccessKeyId',
]);
/** The credentials work but their identity lacks an IAM permission (SSM/SageMaker, S3, EC2 spellings). */
const ACCESS_DENIED_NAMES = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

/** Maps anything thrown to a LauncherError (unknown errors keep their message, exit code 1). */
export function toLauncherError(err: unknown): LauncherError {
  if (err instanceof LauncherError) return err;
  const name = errorName(err);
  const message = err instanceof Error ? err.message : String(err);
  if (CREDENTIAL_NAMES.has(name) || /Could not load credentials/i.test(message)) {
    return new MissingCredentialsError({ cause: err });
  }
  if (QUOTA_NAMES.has(name)) return new InstanceQuotaError(message, { cause: err });
  if (CAPACITY_NAMES.has(name) || /insufficient capacity/i.test(message))
    return new CapacityError(message, { cause: err });
  if (VALIDATION_NAMES.has(name)) return new RequestValidationError(message, { cause: err });
  if (ACCESS_DENIED_NAMES.has(name)) {
    return new LauncherError(`Access denied: ${message || name}`, EXIT_CODES.unexpected, {
      cause: err,
      hint: 'The AWS identity in use lacks a permission for this call: check the role or profile (aws sts get-caller-identity) and its IAM policies.',
    });
  }
  if (name === 'ParameterNotFound') return new MissingInfraParameterError([message], { cause: err });
  return new LauncherError(message || name || 'unexpected error', EXIT_CODES.unexpected, { cause: err });
}

/** The text printed on stderr for a failure. */
export function formatError(err: LauncherError): string {
  return `error: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`;
}
