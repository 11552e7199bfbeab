/**
 * `stop --job-name NAME`: stops a SageMaker training job, for the deploy workflow's `if: cancelled()` clean-up step
 * (a cancelled or timed-out train job must not leave its training job running and billing). Idempotent: a job that
 * already ended, is already stopping, or was never created is reported, not an error, so the step can always run.
 */
import {
  DescribeTrainingJobCommand,
  StopTrainingJobCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Io } from './io.js';
import { TERMINAL_STATUSES } from './sagemaker/progress.js';

/** What `stop` found and did: the job's status after it, or `absent`. */
export type StopOutcome =
  | { readonly kind: 'absent' }
  | { readonly kind: 'ended'; readonly status: string }
  | { readonly kind: 'stopping' }
  | { readonly kind: 'stop-requested'; readonly was: string };

/** What to do about a job in `status` (pure): undefined = it does not exist. */
export function stopDecision(status: string | undefined): StopOutcome {
  if (status === undefined) return { kind: 'absent' };
  if (TERMINAL_STATUSES.has(status)) return { kind: 'ended', status };
  if (status === 'Stopping') return { kind: 'stopping' };
  return { kind: 'stop-requested', was: status };
}

/** The stdout result line: `TRAINING_JOB_STATUS=<status after the command>`. */
export function stopResultLine(outcome: StopOutcome): string {
  const status =
    outcome.kind === 'absent' ? 'Absent' : outcome.kind === 'ended' ? outcome.status : 'Stopping';
  return `TRAINING_JOB_STATUS=${status}`;
}

function isMissingJob(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    e.name === 'ResourceNotFound' ||
    (e.name === 'ValidationException' && /not found|does not exist|could not find/i.test(e.message ?? ''))
  );
}

async function statusOf(sm: SageMakerClient, jobName: string): Promise<string | undefined> {
  try {
    const out = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
    return out.TrainingJobStatus ?? 'Unknown';
  } catch (err) {
    if (isMissingJob(err)) return undefined;
    throw err;
  }
}

/** Describes the job and stops it when it is still running; reports what it found on stderr. */
export async function stopTrainingJob(sm: SageMakerClient, jobName: string, io: Io): Promise<StopOutcome> {
  let outcome = stopDecision(await statusOf(sm, jobName));
  if (outcome.kind === 'stop-requested') {
    try {
      await sm.send(new StopTrainingJobCommand({ TrainingJobName: jobName }));
    } catch (err) {
      // It may have ended between the two calls: then say how it ended.
      const now = stopDecision(await statusOf(sm, jobName));
      if (now.kind === 'stop-requested') throw err;
      outcome = now;
    }
  }
  switch (outcome.kind) {
    case 'absent':
      io.err(`training job ${jobName} does not exist: nothing to stop`);
      break;
    case 'ended':
      io.err(`training job ${jobName} already ended (${outcome.status}): nothing to stop`);
      break;
    case 'stopping':
      io.err(`training job ${jobName} is already stopping`);
      break;
    case 'stop-requested':
      io.err(`training job ${jobName} was ${outcome.was}: stop requested`);
      break;
  }
  return outcome;
}
