/**
 * CI (`ci`): the deploy workflow's stages and their OIDC roles, the CDK bootstrap, the model registry gate,
 * the AWS load test's session. `CdkQualifier` and `GithubOidcProviderArn` are also checked by the constructs
 * on props built by hand (`checkProp`).
 */
import { z } from 'zod';
import type { AutoscalingSpec } from './autoscaling.js';
import { PositiveInt, RoleSessionSeconds, TrainingMode } from './common.js';

/** The qualifier of a CDK bootstrap stack (its roles and bucket names carry it). */
export const CdkQualifier = z
  .string()
  .regex(/^[a-z0-9]{1,10}$/, 'must be a CDK bootstrap qualifier (lower-case, 1-10 chars)');

/** The ARN of an account's GitHub Actions OIDC provider (one per URL in an account). */
export const GithubOidcProviderArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
    'must be the ARN of the token.actions.githubusercontent.com OIDC provider',
  );

/**
 * The deploy workflow's stages, in order. `replay` (the shadow replay of a registered candidate against the serving
 * model) and `approveModel` (sets the package Approved, in a GitHub environment with reviewers) are the registry gate
 * between training and deploy-endpoints.
 */
export const CiStage = z.enum([
  'validate',
  'deployInfra',
  'train',
  'replay',
  'approveModel',
  'deployEndpoints',
  'loadTest',
  // Not a deploy stage: the scheduled drift run (drift.yml) reads data capture and publishes the drift metrics.
  'drift',
]);
export type CiStage = z.infer<typeof CiStage>;

export const CiSpecSchema = z.object({
  github: z.object({
    owner: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a GitHub owner name'),
    repo: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a GitHub repository name'),
    /** The branch that deploys. */
    deployBranch: z.string().min(1),
  }),
  /** One IAM role per CI stage; the workflows assume exactly these names. */
  roles: z.record(
    CiStage,
    z.object({
      roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
      environment: z.string().optional(),
      /**
       * The environment's protection: required reviewers must approve each job before it starts (and so before its
       * role can be assumed). `npm run doctor` checks the repository's settings against it.
       * @default false
       */
      requiredReviewers: z.boolean().optional(),
      /**
       * The role's MaxSessionDuration, and the session its job asks for (`role-duration-seconds`): STS refuses a
       * longer request, so both come from here. IAM allows 1 to 12 hours.
       */
      maxSessionSeconds: RoleSessionSeconds,
    }),
  ),
  /**
   * The CDK bootstrap the pipeline deploys through: its qualifier, and the managed policy (created by the boundary
   * stack from the synthesized templates' resource types) that `cdk bootstrap --cloudformation-execution-policies`
   * gives CloudFormation instead of AdministratorAccess, so the permissions boundary holds for deploys too.
   */
  bootstrap: z.object({
    qualifier: CdkQualifier,
    executionPolicyName: z.string().regex(/^[\w+=,.@-]{1,128}$/, 'must be an IAM policy name'),
  }),
  /**
   * The AWS load test (`loadtest.yml`, role `roles.loadTest`): the warm-up its autoscale profile allows a new
   * instance, and what the job spends outside the profile (set-up, smoke, verification with CloudWatch's metric delay).
   * The role's session must hold both (`awsLoadTestSeconds`).
   */
  loadTest: z.object({
    instanceWarmupSeconds: PositiveInt,
    otherStepsSeconds: PositiveInt,
  }),
  /**
   * ARN of the account's existing GitHub OIDC provider (an account holds one per URL): the CI stack imports it
   * instead of creating one. Absent = the CI stack creates the provider.
   */
  existingOidcProviderArn: GithubOidcProviderArn.optional(),
  /**
   * The registry gate: train registers each model `PendingManualApproval` in its mode's model package group, the
   * replay compares it with the serving model, approveModel sets it Approved, and deploy-endpoints serves the newest
   * Approved package of each group (never a job output).
   */
  modelRegistry: z
    .object({
      /** One group per training mode. Lower case: SageMaker writes the names lower-case into ARNs, which IAM matches. */
      groups: z.record(
        TrainingMode,
        z.string().regex(/^[a-z0-9](-*[a-z0-9]){0,62}$/, 'must be a lower-case model package group name'),
      ),
      /** What the replay job downloads (each a bound on its run time and on the S3 reads it makes). */
      replayInputs: z.object({
        /** Held-out images from the dataset's test split, spread evenly over the listed keys. */
        maxImages: PositiveInt,
        /** The newest data-capture files of the endpoint (each holds many requests). */
        maxCaptureFiles: PositiveInt,
        /** How far back captures are looked for (S3 lists oldest first: the listing starts this many hours ago). */
        captureLookbackHours: PositiveInt,
        /** Keys listed under the test split (1,000 a page) to sample the images from. */
        maxListedKeys: PositiveInt,
      }),
    })
    .refine((r) => r.groups.single !== r.groups.multi, {
      message: 'the two modes need different model package groups',
      path: ['groups', 'multi'],
    }),
});
export type CiSpec = z.infer<typeof CiSpecSchema>;

/**
 * Seconds the AWS load test's session must last: the autoscale profile at time scale 1 (ramp over two metric periods;
 * hold for every scale-out step's evaluation periods, one more period and the cooldown, plus the warm-up; drop for the
 * scale-in evaluation periods plus three and the cooldown: the same arithmetic as `autoscaleProfile` in
 * apps/loadtest/k6/lib/profiles.ts) plus `ci.loadTest.otherStepsSeconds`.
 */
export function awsLoadTestSeconds(s: {
  readonly autoscaling: Pick<
    AutoscalingSpec,
    | 'minInstances'
    | 'maxInstances'
    | 'metricPeriodSeconds'
    | 'scaleOutEvaluationPeriods'
    | 'scaleOutCooldownSeconds'
    | 'scaleInEvaluationPeriods'
    | 'scaleInCooldownSeconds'
  >;
  readonly ci: {
    readonly loadTest: { readonly instanceWarmupSeconds: number; readonly otherStepsSeconds: number };
  };
}): number {
  const a = s.autoscaling;
  const period = a.metricPeriodSeconds;
  const steps = Math.max(1, a.maxInstances - a.minInstances);
  const ramp = 2 * period;
  const hold =
    steps * ((a.scaleOutEvaluationPeriods + 1) * period + a.scaleOutCooldownSeconds) +
    s.ci.loadTest.instanceWarmupSeconds;
  const drop = (a.scaleInEvaluationPeriods + 3) * period + a.scaleInCooldownSeconds;
  return Math.ceil(ramp) + Math.ceil(hold) + Math.ceil(drop) + s.ci.loadTest.otherStepsSeconds;
}
