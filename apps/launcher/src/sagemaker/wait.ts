/**
 * Following a SageMaker training job to its end: progress lines, typed failures, and what an interrupt does (stop the
 * job in CI, ask at a terminal).
 */
import {
  DescribeTrainingJobCommand,
  StopTrainingJobCommand,
  type DescribeTrainingJobResponse,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CapacityError, InstanceQuotaError, InterruptedError, TrainingFailedError } from '../errors.js';
import type { InterruptSignal, Io } from '../io.js';
import { progressLines, TERMINAL_STATUSES, type JobSnapshot } from './progress.js';

export interface WaitOptions {
  pollMs: number;
  region: string;
  io: Io;
  interrupts: InterruptSignal;
}

export function stopCommandHint(jobName: string, region: string): string {
  return `stop it with: aws sagemaker stop-training-job --training-job-name ${jobName} --region ${region}`;
}

/** A failed job's reason, typed: SageMaker reports capacity and quota problems as `CapacityError: ...` etc. */
export function failureError(jobName: string, status: string, reason: string | undefined): Error {
  const text = reason ?? 'no reason given';
  if (/^CapacityError\b/i.test(text)) return new CapacityError(`${jobName}: ${text}`);
  if (/^ResourceLimitExceeded\b/i.test(text)) return new InstanceQuotaError(`${jobName}: ${text}`);
  return new TrainingFailedError(`Training job ${jobName} ${status.toLowerCase()}: ${text}`);
}

/**
 * What an interrupt (SIGINT/SIGTERM) while following a job does. Without a TTY it is CI cancelling the run (GitHub
 * sends SIGINT, then SIGTERM, then kills the runner's process): the job is stopped, or it would keep running and
 * billing with no one following it. A person at a terminal is asked.
 */
export function interruptAction(interactive: boolean): 'stop' | 'ask' {
  return interactive ? 'ask' : 'stop';
}

/**
 * Follows the job until it ends, printing progress on stderr. An interrupt stops the job without a TTY (and ends
 * with exit 130 at once: the runner is about to kill the process), or asks whether to stop it on a TTY.
 */
export async function waitForTrainingJob(
  sm: SageMakerClient,
  jobName: string,
  opts: WaitOptions,
): Promise<DescribeTrainingJobResponse> {
  const { io, interrupts } = opts;
  let prev: JobSnapshot | undefined;
  let stopRequested = false;
  for (;;) {
    const cur = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
    for (const line of progressLines(jobName, prev, cur)) io.err(line);
    prev = cur;
    const status = cur.TrainingJobStatus ?? '';
    if (TERMINAL_STATUSES.has(status)) {
      if (status === 'Completed') return cur;
      if (status === 'Stopped' && stopRequested)
        throw new InterruptedError(`Training job ${jobName} stopped at your request.`);
      throw failureError(jobName, status, cur.FailureReason);
    }
    await interrupts.pause(opts.pollMs);
    if (!interrupts.take()) continue;
    if (interruptAction(io.interactive) === 'stop') {
      io.err(`[${jobName}] interrupted without a TTY: stopping the training job`);
      try {
        await sm.send(new StopTrainingJobCommand({ TrainingJobName: jobName }));
      } catch (err) {
        throw new InterruptedError(
          `Interrupted; stopping training job ${jobName} failed: ${(err as Error).message}`,
          stopCommandHint(jobName, opts.region),
        );
      }
      throw new InterruptedError(`Interrupted; stop requested for training job ${jobName}.`);
    }
    const answer = await io.ask(`Stop training job ${jobName}? [y/N] `);
    if (/^y(es)?$/i.test(answer.trim())) {
      await sm.send(new StopTrainingJobCommand({ TrainingJobName: jobName }));
      stopRequested = true;
      io.err(`[${jobName}] stop requested; waiting for the job to stop`);
    } else {
      io.err(`[${jobName}] still running; following it again`);
    }
  }
}
