import { DescribeInstancesCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  type GetCommandInvocationCommandOutput,
} from '@aws-sdk/client-ssm';
import type { AwsClients, LaunchContext, PlannedRequest } from '../context.js';
import { InterruptedError, TrainingFailedError } from '../errors.js';
import { effectiveHyperparameters } from '../hyperparameters.js';
import { placeholderInfra, readInfra, type InfraConfig } from '../infra.js';
import { assertChannelsExist } from '../sagemaker/channels.js';
import { dataChannelUri, DATA_CHANNELS } from '../sagemaker/request.js';
import { packageSource, type SourcePackage } from '../source-package.js';
import { formatMetricLine, parseMetricLine } from '../training-log.js';
import { uploadSource } from '../sagemaker/launch.js';
import {
  buildSendCommandRequest,
  COMMAND_TERMINAL,
  ec2ArtifactUri,
  newOutputLines,
  type Ec2RunPlan,
} from './request.js';

export function runIdFor(mode: string, now: Date): string {
  return `${mode}-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

export async function planEc2(
  ctx: LaunchContext,
  infra: InfraConfig,
): Promise<{ plan: Ec2RunPlan; source: SourcePackage }> {
  const { args, spec } = ctx;
  const source = await packageSource(ctx.trainingDir);
  const plan: Ec2RunPlan = {
    spec,
    mode: args.mode,
    runId: args.jobName ?? runIdFor(args.mode, ctx.io.now()),
    instanceId: infra.ec2InstanceId ?? '',
    infra,
    sourceUri: `s3://${infra.modelBucket}/${source.key}`,
    dataUri: `s3://${infra.dataBucket}/${args.dataPrefix}`,
    hyperparameters: effectiveHyperparameters(spec.training.hyperparameters, args.hyperparameters),
  };
  if (args.processes !== undefined) plan.processes = args.processes;
  if (args.pretrainedWeights) plan.pretrainedWeightsUri = args.pretrainedWeights;
  return { plan, source };
}

export async function dryRunEc2(ctx: LaunchContext): Promise<PlannedRequest[]> {
  const { plan } = await planEc2(ctx, placeholderInfra(ctx.spec, { ec2: true }));
  return [
    { operation: 'EC2:StartInstances', input: { InstanceIds: [plan.instanceId] } },
    { operation: 'SSM:SendCommand', input: buildSendCommandRequest(plan) },
  ];
}

async function instanceState(aws: AwsClients, id: string): Promise<string> {
  const out = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? 'unknown';
}

/** Default for Ec2LaunchOptions.readyTimeoutSeconds: boot plus SSM agent registration, with margin. */
export const EC2_READY_TIMEOUT_SECONDS = 15 * 60;

/** Knobs of the EC2 flow that are not command-line flags (the CLI always uses the defaults). */
export interface Ec2LaunchOptions {
  /**
   * How long the instance may take to reach `running` and its SSM agent to report `Online`, measured with
   * `ctx.io.now()` from the first DescribeInstances (default EC2_READY_TIMEOUT_SECONDS).
   */
  readyTimeoutSeconds?: number;
  /**
   * false skips the DescribeInstanceInformation wait before SendCommand. Only the moto contract test sets it:
   * moto does not implement DescribeInstanceInformation. Real runs must keep the default (true), or SendCommand
   * can go to an instance whose agent is not registered yet.
   */
  waitForSsmAgent?: boolean;
}

/** What the flow did to the instance, for the cleanup. */
interface InstanceRun {
  /** We started it (it was stopped), so we stop it again afterwards. */
  startedByUs: boolean;
  /** The training command may still run on it (interrupted without cancelling): leave the instance alone. */
  commandLeftRunning: boolean;
}

/** Starts the instance when stopped and waits until it runs and its SSM agent is online. */
async function ensureInstanceReady(
  ctx: LaunchContext,
  aws: AwsClients,
  id: string,
  run: InstanceRun,
  opts: Ec2LaunchOptions,
): Promise<void> {
  const pollMs = ctx.args.pollSeconds * 1000;
  const timeoutS = opts.readyTimeoutSeconds ?? EC2_READY_TIMEOUT_SECONDS;
  const deadline = ctx.io.now().getTime() + timeoutS * 1000;
  const hint = `Check the instance in the EC2 console (status checks, system log) and that its instance profile allows SSM (AmazonSSMManagedInstanceCore).`;
  const waitOrFail = async (what: string): Promise<void> => {
    if (ctx.io.now().getTime() >= deadline)
      throw new TrainingFailedError(`${what} within ${timeoutS}s; nothing was sent to ${id}.`, { hint });
    await ctx.interrupts.pause(pollMs);
    if (ctx.interrupts.take())
      throw new InterruptedError(`stopped waiting for ${id}; nothing was sent to it.`);
  };
  let state = await instanceState(aws, id);
  while (state !== 'running') {
    if (state === 'terminated' || state === 'shutting-down')
      throw new TrainingFailedError(`instance ${id} is ${state}`, {
        hint: 'Redeploy the training stack: the instance id in SSM points at an instance that is gone.',
      });
    // `stopping` becomes `stopped` before it can be started; start it then.
    if (state === 'stopped') {
      await aws.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      run.startedByUs = true;
      ctx.io.err(`starting ${id}`);
    }
    await waitOrFail(`instance ${id} did not reach running (last state: ${state})`);
    state = await instanceState(aws, id);
  }
  ctx.io.err(`${id} is running`);
  if (opts.waitForSsmAgent === false) return;
  for (;;) {
    const info = await aws.ssm.send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [id] }] }),
    );
    const ping = info.InstanceInformationList?.[0]?.PingStatus;
    if (ping === 'Online') return;
    ctx.io.err(`waiting for the SSM agent on ${id}${ping ? ` (${ping})` : ''}`);
    await waitOrFail(
      `the SSM agent on ${id} did not come online (last ping status: ${ping ?? 'not registered'})`,
    );
  }
}

async function stopStartedInstance(ctx: LaunchContext, aws: AwsClients, id: string): Promise<void> {
  await aws.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  ctx.io.err(`stopping ${id} (it was stopped before this run)`);
}

/** Follows the command until it ends; throws TrainingFailedError unless it succeeded. */
async function followCommand(
  ctx: LaunchContext,
  aws: AwsClients,
  plan: Ec2RunPlan,
  commandId: string,
  run: InstanceRun,
): Promise<void> {
  const { io } = ctx;
  let consumed = 0;
  const seenEpochs = new Set<number>();
  const show = (lines: string[]): void => {
    for (const line of lines) {
      io.err(`  | ${line}`);
      const m = parseMetricLine(line);
      if (m && (m.epoch === undefined || !seenEpochs.has(m.epoch))) {
        if (m.epoch !== undefined) seenEpochs.add(m.epoch);
        io.err(formatMetricLine(m, plan.hyperparameters.epochs));
      }
    }
  };
  const fullOutput = `full output: aws ssm get-command-invocation --command-id ${commandId} --instance-id ${plan.instanceId} --region ${ctx.region}`;
  let lastStatus = '';
  for (;;) {
    let inv: GetCommandInvocationCommandOutput | undefined;
    try {
      inv = await aws.ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: plan.instanceId }),
      );
    } catch (err) {
      // Right after SendCommand the invocation may not exist yet.
      if ((err as { name?: string }).name !== 'InvocationDoesNotExist') throw err;
    }
    if (inv) {
      const status = inv.Status ?? 'Pending';
      const terminal = COMMAND_TERMINAL.has(status);
      const next = newOutputLines(consumed, inv.StandardOutputContent ?? '', terminal);
      consumed = next.consumed;
      show(next.lines);
      if (status !== lastStatus) io.err(`[${commandId}] status: ${lastStatus || '-'} -> ${status}`);
      lastStatus = status;
      if (terminal) {
        if (status === 'Success') return;
        const details = [
          inv.StatusDetails && inv.StatusDetails !== status ? inv.StatusDetails : '',
          inv.ResponseCode !== undefined && inv.ResponseCode >= 0 ? `exit ${inv.ResponseCode}` : '',
        ].filter(Boolean);
        const stderrTail = (inv.StandardErrorContent ?? '').trim().split('\n').slice(-5).join(' | ');
        throw new TrainingFailedError(
          `EC2 training ${status}${details.length ? ` (${details.join(', ')})` : ''}: ${stderrTail || 'no error output'}`,
          { hint: fullOutput },
        );
      }
    }
    await ctx.interrupts.pause(ctx.args.pollSeconds * 1000);
    if (!ctx.interrupts.take()) continue;
    const hint = `cancel it with: aws ssm cancel-command --command-id ${commandId} --region ${ctx.region}`;
    if (!io.interactive) {
      run.commandLeftRunning = true;
      throw new InterruptedError(`Stopped following command ${commandId}; the training keeps running.`, hint);
    }
    if (/^y(es)?$/i.test((await io.ask(`Cancel the training command ${commandId}? [y/N] `)).trim())) {
      await aws.ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [plan.instanceId] }));
      throw new InterruptedError(`Training command ${commandId} cancelled at your request.`);
    }
  }
}

/**
 * Runs the training on the infra's EC2 instance through SSM Run Command; returns the artifact URI. An instance
 * this run started is stopped again when the run ends (success, failure, timeout), unless the training command
 * may still be running on it (Ctrl-C without cancelling).
 */
export async function launchEc2(
  ctx: LaunchContext,
  aws: AwsClients,
  opts: Ec2LaunchOptions = {},
): Promise<string> {
  const { io } = ctx;
  const infra = await readInfra(aws.ssm, ctx.spec, { ec2: true });
  const { plan, source } = await planEc2(ctx, infra);
  await assertChannelsExist(
    aws.s3,
    DATA_CHANNELS.map((c) => ({
      channel: c,
      uri: dataChannelUri(infra, ctx.args.dataPrefix, c),
      kind: 'prefix' as const,
    })),
  );
  await uploadSource(aws.s3, { source, sourceUri: plan.sourceUri });
  const run: InstanceRun = { startedByUs: false, commandLeftRunning: false };
  try {
    await ensureInstanceReady(ctx, aws, plan.instanceId, run, opts);
    const sent = await aws.ssm.send(new SendCommandCommand(buildSendCommandRequest(plan)));
    const commandId = sent.Command?.CommandId ?? '';
    io.err(`sent command ${commandId} to ${plan.instanceId} (run ${plan.runId})`);
    await followCommand(ctx, aws, plan, commandId, run);
  } catch (err) {
    if (run.startedByUs && !run.commandLeftRunning) {
      // Best effort: the original error is what the user needs to see.
      await stopStartedInstance(ctx, aws, plan.instanceId).catch((stopErr: unknown) =>
        io.err(
          `warning: could not stop ${plan.instanceId}: ${(stopErr as Error).message ?? String(stopErr)}`,
        ),
      );
    }
    throw err;
  }
  if (run.startedByUs) await stopStartedInstance(ctx, aws, plan.instanceId);
  return ec2ArtifactUri(plan);
}
