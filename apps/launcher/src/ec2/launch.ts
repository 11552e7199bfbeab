import { DescribeInstancesCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
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

/** Starts the instance when stopped and waits until it runs and its SSM agent is online. Returns whether we started it. */
async function ensureInstanceReady(ctx: LaunchContext, aws: AwsClients, id: string): Promise<boolean> {
  const pollMs = ctx.args.pollSeconds * 1000;
  let state = await instanceState(aws, id);
  const started = state === 'stopped';
  if (started) {
    await aws.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    ctx.io.err(`starting ${id}`);
  }
  while (state !== 'running') {
    if (state === 'terminated' || state === 'shutting-down')
      throw new TrainingFailedError(`instance ${id} is ${state}`);
    await ctx.interrupts.pause(pollMs);
    if (ctx.interrupts.take()) throw new InterruptedError(`stopped waiting for ${id} to start`);
    state = await instanceState(aws, id);
  }
  ctx.io.err(`${id} is running`);
  for (;;) {
    const info = await aws.ssm.send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [id] }] }),
    );
    if (info.InstanceInformationList?.[0]?.PingStatus === 'Online') return started;
    ctx.io.err(`waiting for the SSM agent on ${id}`);
    await ctx.interrupts.pause(pollMs);
    if (ctx.interrupts.take()) throw new InterruptedError(`stopped waiting for the SSM agent on ${id}`);
  }
}

/** Runs the training on the infra's EC2 instance through SSM Run Command; returns the artifact URI. */
export async function launchEc2(ctx: LaunchContext, aws: AwsClients): Promise<string> {
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
  const startedByUs = await ensureInstanceReady(ctx, aws, plan.instanceId);
  const sent = await aws.ssm.send(new SendCommandCommand(buildSendCommandRequest(plan)));
  const commandId = sent.Command?.CommandId ?? '';
  io.err(`sent command ${commandId} to ${plan.instanceId} (run ${plan.runId})`);
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
  let status = 'Pending';
  let lastStatus = '';
  for (;;) {
    try {
      const inv = await aws.ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: plan.instanceId }),
      );
      status = inv.Status ?? 'Pending';
      const terminal = COMMAND_TERMINAL.has(status);
      const next = newOutputLines(consumed, inv.StandardOutputContent ?? '', terminal);
      consumed = next.consumed;
      show(next.lines);
      if (status !== lastStatus) io.err(`[${commandId}] status: ${lastStatus || '-'} -> ${status}`);
      lastStatus = status;
      if (terminal) {
        if (status !== 'Success') {
          throw new TrainingFailedError(
            `EC2 training ${status}: ${(inv.StandardErrorContent ?? '').trim().split('\n').slice(-5).join(' | ') || 'no error output'}`,
          );
        }
        break;
      }
    } catch (err) {
      if ((err as { name?: string }).name !== 'InvocationDoesNotExist') throw err;
    }
    await ctx.interrupts.pause(ctx.args.pollSeconds * 1000);
    if (!ctx.interrupts.take()) continue;
    const hint = `cancel it with: aws ssm cancel-command --command-id ${commandId} --region ${ctx.region}`;
    if (!io.interactive)
      throw new InterruptedError(`Stopped following command ${commandId}; the training keeps running.`, hint);
    if (/^y(es)?$/i.test((await io.ask(`Cancel the training command ${commandId}? [y/N] `)).trim())) {
      await aws.ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [plan.instanceId] }));
      throw new InterruptedError(`Training command ${commandId} cancelled at your request.`);
    }
  }
  if (startedByUs) {
    await aws.ec2.send(new StopInstancesCommand({ InstanceIds: [plan.instanceId] }));
    io.err(`stopping ${plan.instanceId} (it was stopped before this run)`);
  }
  return ec2ArtifactUri(plan);
}
