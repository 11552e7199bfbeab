import {
  formatModelArtifactUri,
  S3_PREFIXES,
  type PlatformSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import type { SendCommandRequest } from '@aws-sdk/client-ssm';
import { hyperparameterArgv, type EffectiveHyperparameters } from '../hyperparameters.js';
import type { InfraConfig } from '../infra.js';

export interface Ec2RunPlan {
  spec: PlatformSpec;
  mode: TrainingMode;
  runId: string;
  instanceId: string;
  infra: InfraConfig;
  sourceUri: string;
  /** s3:// prefix holding train/ valid/ test/, ending in `/`. */
  dataUri: string;
  hyperparameters: EffectiveHyperparameters;
  /** Multi mode: processes on the instance; undefined = one per GPU. */
  processes?: number;
  pretrainedWeightsUri?: string;
}

/** POSIX single-quote quoting. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function ec2ArtifactUri(plan: Pick<Ec2RunPlan, 'infra' | 'mode' | 'runId'>): string {
  return formatModelArtifactUri(
    plan.infra.modelBucket,
    `${S3_PREFIXES.trainingOutput}ec2-${plan.mode}/${plan.runId}`,
  );
}

/** Exit status of the run command when the spec's interpreter is not on the instance. */
export const MISSING_PYTHON_EXIT = 3;

/**
 * The shell script the instance runs (pure): check the interpreter, fetch source and data, train, upload
 * model.tar.gz. This command is the only thing that trains on the instance (its boot runs nothing).
 */
export function ec2Script(plan: Ec2RunPlan): string[] {
  const run = `/opt/${plan.spec.project.name}/runs/${plan.runId}`;
  const artifact = ec2ArtifactUri(plan);
  const hp = hyperparameterArgv(plan.hyperparameters).map(shellQuote).join(' ');
  const weights = plan.pretrainedWeightsUri
    ? [`aws s3 cp ${shellQuote(plan.pretrainedWeightsUri)} "$RUN/weights/" --only-show-errors`]
    : [];
  const weightsFlag = plan.pretrainedWeightsUri
    ? ` --pretrained-weights "$RUN/weights/${shellQuote(plan.pretrainedWeightsUri.split('/').pop() ?? '')}"`
    : '';
  const launcher =
    plan.mode === 'multi'
      ? [
          `NPROC=${plan.processes ?? '"$(nvidia-smi -L 2>/dev/null | wc -l)"'}`,
          'if [ "$NPROC" -lt 1 ]; then NPROC=1; fi',
          `LAUNCH="$PY -m torch.distributed.run --standalone --nproc_per_node=$NPROC"`,
        ]
      : ['LAUNCH="$PY"'];
  return [
    'set -euo pipefail',
    // The AMI decides where PyTorch lives (current DLAMIs: a venv under /opt/pytorch); fail before any work.
    `PY=${shellQuote(plan.spec.training.ec2PythonPath)}`,
    `if [ ! -x "$PY" ]; then echo "dogbreed: no Python interpreter at $PY on this instance: set spec training.ec2PythonPath to the AMI's PyTorch interpreter" >&2; exit ${MISSING_PYTHON_EXIT}; fi`,
    `RUN=${run}`,
    'rm -rf "$RUN" && mkdir -p "$RUN/src" "$RUN/data" "$RUN/model" "$RUN/checkpoints" "$RUN/weights"',
    `aws s3 cp ${shellQuote(plan.sourceUri)} "$RUN/source.tar.gz" --only-show-errors`,
    'tar -xzf "$RUN/source.tar.gz" -C "$RUN/src"',
    `aws s3 sync ${shellQuote(plan.dataUri)} "$RUN/data" --only-show-errors`,
    ...weights,
    ...launcher,
    `$LAUNCH "$RUN/src/train.py" --data-dir "$RUN/data" --model-dir "$RUN/model" --checkpoint-dir "$RUN/checkpoints" ${hp}${weightsFlag}`,
    'tar -czf "$RUN/model.tar.gz" -C "$RUN/model" .',
    `aws s3 cp "$RUN/model.tar.gz" ${shellQuote(artifact)} --only-show-errors`,
    `echo MODEL_ARTIFACT=${shellQuote(artifact)}`,
  ];
}

/** SSM SendCommand (AWS-RunShellScript); the execution timeout is the spec's max runtime. */
export function buildSendCommandRequest(plan: Ec2RunPlan): SendCommandRequest {
  return {
    DocumentName: 'AWS-RunShellScript',
    InstanceIds: [plan.instanceId],
    Comment: `${plan.spec.project.name} ${plan.mode} training ${plan.runId}`.slice(0, 100),
    TimeoutSeconds: 600,
    Parameters: {
      commands: ec2Script(plan),
      executionTimeout: [String(plan.spec.training.maxRuntimeSeconds)],
    },
  };
}

export const COMMAND_TERMINAL = new Set([
  'Success',
  'Failed',
  'Cancelled',
  'TimedOut',
  'Cancelling',
  'Undeliverable',
  'Terminated',
  'DeliveryTimedOut',
  'ExecutionTimedOut',
  'InvalidPlatform',
  'AccessDenied',
]);

/**
 * Complete lines of the command output beyond `consumed` characters (GetCommandInvocation returns the whole
 * output so far); the unterminated tail waits for the next poll unless `final`.
 */
export function newOutputLines(
  consumed: number,
  output: string,
  final = false,
): { lines: string[]; consumed: number } {
  const fresh = output.slice(consumed);
  const end = final ? fresh.length : fresh.lastIndexOf('\n') + 1;
  const lines = fresh
    .slice(0, end)
    .split(/\r?\n/)
    .filter((l) => l.trim().length > 0);
  return { lines, consumed: consumed + end };
}
