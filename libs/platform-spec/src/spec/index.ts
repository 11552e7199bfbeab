/**
 * The whole spec: every area's schema composed into `PlatformSpecSchema`, with the rules that span areas.
 */
import { z } from 'zod';
import { deploymentIssues } from './deployment-issues.js';
import { smallestFleet } from './guardrails.js';
import { AccessSpecSchema } from './access.js';
import { AlarmsSpecSchema } from './alarms.js';
import { AutoscalingSpecSchema } from './autoscaling.js';
import { CapacityPlanningSpecSchema } from './capacity-planning.js';
import { CiSpecSchema, awsLoadTestSeconds } from './ci.js';
import { AwsRegion, ResourceName } from './common.js';
import { EndpointSpecSchema } from './endpoints.js';
import { InvokerSpecSchema } from './invoker.js';
import { LocalStackSpecSchema } from './local-stack.js';
import { ModelServerSpecSchema } from './model-server.js';
import { RolloutSpecSchema } from './rollout.js';
import { GITHUB_HOSTED_JOB_MAX_SECONDS, TRAIN_JOB_MARGIN_SECONDS, TrainingSpecSchema } from './training.js';
export * from './access.js';
export * from './alarms.js';
export * from './autoscaling.js';
export * from './capacity-planning.js';
export * from './ci.js';
export * from './common.js';
export * from './deployment.js';
export * from './endpoints.js';
export * from './invoker.js';
export * from './local-stack.js';
export * from './model-server.js';
export * from './rollout.js';
export * from './training.js';

export const PlatformSpecSchema = z
  .object({
    project: z.object({
      name: ResourceName,
      region: AwsRegion,
      /** Account to deploy to; absent = environment-agnostic synth. */
      account: z
        .string()
        .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
        .optional(),
      tags: z.record(z.string(), z.string()),
    }),
    endpoints: z.object({ single: EndpointSpecSchema, multi: EndpointSpecSchema }),
    autoscaling: AutoscalingSpecSchema,
    alarms: AlarmsSpecSchema,
    invoker: InvokerSpecSchema,
    modelServer: ModelServerSpecSchema,
    training: TrainingSpecSchema,
    ci: CiSpecSchema,
    access: AccessSpecSchema,
    localStack: LocalStackSpecSchema,
    capacityPlanning: CapacityPlanningSpecSchema,
    rollout: RolloutSpecSchema,
  })
  .refine((s) => s.endpoints.single.name !== s.endpoints.multi.name, {
    message: 'the two endpoints must have different names',
    path: ['endpoints', 'multi', 'name'],
  })
  .refine((s) => s.invoker.maxImageBytes <= s.modelServer.maxBodyBytes, {
    // The invoker sends the image as the raw InvokeEndpoint body, so an image it accepts must fit the container's cap.
    message:
      'invoker.maxImageBytes must not exceed modelServer.maxBodyBytes (the image is sent to the endpoint as the raw body)',
    path: ['invoker', 'maxImageBytes'],
  })
  .superRefine((s, ctx) => {
    for (const key of ['single', 'multi'] as const) {
      const ep = s.endpoints[key];
      const d = ep.deployment;
      for (const issue of deploymentIssues(d, { smallest: smallestFleet(ep, s.autoscaling) }))
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', key, 'deployment', ...issue.path],
          message: issue.message,
        });
      // The deploy job follows the update to its end: its session must outlast the longest rollout.
      const session = s.ci.roles.deployEndpoints?.maxSessionSeconds;
      if (session !== undefined && session < d.maxExecutionSeconds)
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', key, 'deployment', 'maxExecutionSeconds'],
          message: `must not exceed ci.roles.deployEndpoints.maxSessionSeconds (${session} s): the deploy job waits for the rollout`,
        });
    }
  })
  .superRefine((s, ctx) => {
    // The load test's credentials must outlive its profile: an expired session fails the verification at the end.
    const session = s.ci.roles.loadTest?.maxSessionSeconds;
    const needs = awsLoadTestSeconds(s);
    if (session !== undefined && session < needs)
      ctx.addIssue({
        code: 'custom',
        path: ['ci', 'roles', 'loadTest', 'maxSessionSeconds'],
        message: `must hold the AWS load test: its autoscale profile plus ci.loadTest.otherStepsSeconds take ${needs} s (autoscaling and ci.loadTest decide it)`,
      });
  })
  .superRefine((s, ctx) => {
    // A training job CI starts must end within the train job: GitHub cancels the job after its limit and the role's
    // session expires, and a job left running keeps billing (the launcher stops it when cancelled, if it still can).
    const t = s.training;
    const jobLimit = t.spot ? t.maxWaitSeconds : t.maxRuntimeSeconds;
    const session = s.ci.roles.train?.maxSessionSeconds ?? GITHUB_HOSTED_JOB_MAX_SECONDS;
    const budget = Math.min(session, GITHUB_HOSTED_JOB_MAX_SECONDS);
    if (jobLimit + TRAIN_JOB_MARGIN_SECONDS > budget)
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'maxWaitSeconds'],
        message: `${t.spot ? 'maxWaitSeconds (spot)' : 'maxRuntimeSeconds (on-demand)'} ${jobLimit} s plus ${TRAIN_JOB_MARGIN_SECONDS} s for the upload and registration must fit ${budget} s: ci.roles.train.maxSessionSeconds (${session} s) and GitHub's job limit (${GITHUB_HOSTED_JOB_MAX_SECONDS} s)`,
      });
  });
export type PlatformSpec = z.infer<typeof PlatformSpecSchema>;
export type PlatformSpecInput = z.input<typeof PlatformSpecSchema>;
