import type { PlatformSpecInput } from './index.js';

const MIB = 1024 * 1024;

/**
 * Both endpoints' rollout. All at once because the default fleet can be one instance, where SageMaker has no canary
 * (a step is at most half the fleet); with autoscaling.minInstances ≥ 2, `canary` (canaryPercent of the fleet first)
 * or `linear` are valid. Every mode bakes with the rollback alarms armed and returns traffic to blue when one fires.
 */
const DEFAULT_DEPLOYMENT = {
  mode: 'all-at-once',
  canaryPercent: 50,
  linearStepPercent: 25,
  // Ten minutes: long enough for the 60 s alarms below to see several periods of real traffic.
  bakeSeconds: 600,
  terminationWaitSeconds: 0,
  maxExecutionSeconds: 3600,
  rollbackAlarms: {
    // Any 5xx from the new fleet in one minute: the model server answers 5xx only when it cannot serve at all.
    errors5xx: { threshold: 1, periodSeconds: 60, evaluationPeriods: 1 },
    // p90 of the container's own time over 1 s for two minutes (one ml.m5.large serves an image in ~15 ms).
    modelLatencyP90Ms: { threshold: 1000, periodSeconds: 60, evaluationPeriods: 2 },
    // More than 5 % of the invoker's requests failing for two minutes.
    invokerErrorRatePercent: { threshold: 5, periodSeconds: 60, evaluationPeriods: 2 },
    // Low-quality answers (top-1 at or below 0.5, or not a dog) above 40 % for three minutes. The baseline is the
    // candidate's evaluation: a model with ~85 % top-1 on the held-out split answers about 15-20 % of those images at
    // or below 0.5; live photos add non-dogs and harder shots, so the margin is wide: the alarm catches a model that
    // answers most requests unsure (a broken export, the wrong classes), not a small shift (the shadow verdict's job).
    lowQualityPercent: { threshold: 40, minConfidence: 0.5, periodSeconds: 60, evaluationPeriods: 3 },
  },
} as const;

/**
 * The defaults: every number the deployment, the local stack and the load tests use.
 * Change a value here (or override it, see `loadPlatformSpec`) and all of them follow.
 */
export const DEFAULT_SPEC = {
  project: {
    name: 'dogbreed',
    region: 'us-east-1',
    tags: { project: 'dogbreed', 'managed-by': 'aws-cdk', 'cost-center': 'ml-platform' },
  },
  endpoints: {
    single: {
      name: 'dogbreed-single-instance',
      trainingMode: 'single',
      variantName: 'AllTraffic',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      modelArtifact: { s3Key: 'models/single/model.tar.gz', localDir: '.local-stack/models/single' },
      deployment: DEFAULT_DEPLOYMENT,
    },
    multi: {
      name: 'dogbreed-multi-instance',
      trainingMode: 'multi',
      variantName: 'AllTraffic',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      modelArtifact: { s3Key: 'models/multi/model.tar.gz', localDir: '.local-stack/models/multi' },
      deployment: DEFAULT_DEPLOYMENT,
    },
  },
  autoscaling: {
    minInstances: 1,
    maxInstances: 4,
    metric: 'SageMakerVariantInvocationsPerInstance',
    // One ml.m5.large serves ~10 img/s of ResNet50 at the latency SLO: 10 × 0.5 safety × 60 s.
    targetValue: 300,
    scaleOutCooldownSeconds: 30,
    scaleInCooldownSeconds: 300,
    metricPeriodSeconds: 60,
    scaleOutEvaluationPeriods: 3,
    scaleInEvaluationPeriods: 15,
    policy: { type: 'target-tracking' },
    // Scheduled windows (UTC cron) that change min/max, e.g. a lower minimum off-hours; none by default.
    schedule: [],
  },
  alarms: { emails: [] },
  invoker: {
    functionName: 'dogbreed-invoker',
    runtime: 'nodejs22.x',
    architecture: 'arm64',
    reservedConcurrency: 7,
    provisionedConcurrency: 0,
    memoryMb: 512,
    timeoutSeconds: 30,
    maxRequestBytes: 6 * MIB,
    maxImageBytes: Math.floor(4.5 * MIB),
    defaultTopK: 5,
    maxTopK: 20,
    endpointTimeoutMs: 25_000,
    maxAttempts: 2,
    logRetentionDays: 30,
    s3Input: { enabled: false, prefix: 'inference-inputs/' },
  },
  modelServer: {
    port: 8080,
    maxBodyBytes: 5 * MIB,
    maxInputPixels: 40_000_000,
    // A 12 MP JPEG decoded at 1/8 and resized by libvips: the cheapest, and as close to the exact path as a 1/4
    // decode with the exact resize after (apps/model-server README, preprocessing).
    shrinkOnLoadMargin: 1,
    // One single-threaded session per vCPU: on 2 vCPUs 12–28 % more images per second than one session with two
    // threads, p50 at concurrency 1 within 3 ms (apps/model-server README, serving efficiency).
    intraOpThreads: 1,
    inferenceSessions: 0,
    // A lone request on every vCPU: EfficientNet-Lite0's batch-1 run took 0.67–0.79× the time on 2 threads as on 1
    // (apps/model-server README, how it works).
    soloIntraOpThreads: 0,
    // Spinning made a lone run 8.7–8.9 ms instead of 10.3–11.4 in quiet minutes, but 31–35 ms whenever other
    // processes wanted the cores (apps/model-server README, how it works).
    soloSpinning: false,
    maxQueueDepth: 64,
    batching: { enabled: false, maxBatchSize: 8, maxDelayMs: 2 },
    dog: { threshold: 0.52, policy: 'flag' },
  },
  training: {
    notebookInstanceType: 'ml.t3.medium',
    singleInstanceType: 'ml.m5.xlarge',
    multiInstanceType: 'ml.g4dn.xlarge',
    multiInstanceCount: 2,
    spot: true,
    maxRuntimeSeconds: 4 * 3600,
    // Within the train job: 5 h + the CI margin fit the train role's 6 h session and GitHub's 6 h job limit.
    maxWaitSeconds: 5 * 3600,
    pytorchVersion: '2.3.0',
    pythonVersion: 'py311',
    ec2InstanceType: 'g4dn.xlarge',
    volumeSizeGb: 100,
    ec2PythonPath: '/opt/pytorch/bin/python',
    hyperparameters: {
      backbone: 'efficientnet_lite0',
      epochs: 10,
      batchSize: 32,
      learningRate: 0.001,
      freezeBackbone: true,
      earlyStoppingPatience: 3,
      imageSize: 224,
    },
    export: {
      // float32 until INT8 passes its guard on real photos (training/README.md, Export: INT8).
      precision: 'float32',
      int8: { maxTop1DropPoints: 0.5, minAgreement: 0.99, calibrationImages: 128 },
    },
  },
  ci: {
    github: { owner: 'dogbreed-org', repo: 'dogbreed', deployBranch: 'main' },
    roles: {
      validate: { roleName: 'dogbreed-ci-validate', maxSessionSeconds: 3600 },
      deployInfra: {
        roleName: 'dogbreed-ci-deploy-infra',
        environment: 'infra',
        requiredReviewers: true,
        maxSessionSeconds: 3600,
      },
      // GitHub-hosted jobs end after 6 h: the training job is followed for at most that long.
      train: { roleName: 'dogbreed-ci-train', environment: 'training', maxSessionSeconds: 6 * 3600 },
      // The shadow replay: downloads two models and held-out images, runs both side by side on the runner.
      replay: { roleName: 'dogbreed-ci-replay', environment: 'model-replay', maxSessionSeconds: 3600 },
      // Its environment's required reviewers are the manual approval: the session starts once they approve.
      approveModel: {
        roleName: 'dogbreed-ci-approve-model',
        environment: 'model-approval',
        requiredReviewers: true,
        maxSessionSeconds: 3600,
      },
      // The endpoints' updates (one stack, side by side), each within its deployment.maxExecutionSeconds (the spec
      // checks it fits), plus the image build and the invoker.
      deployEndpoints: {
        roleName: 'dogbreed-ci-deploy-endpoints',
        environment: 'production',
        requiredReviewers: true,
        maxSessionSeconds: 90 * 60,
      },
      // The autoscale profile takes ~49 min (2 910 s) with the autoscaling defaults, plus ci.loadTest.otherStepsSeconds:
      // 90 min, the job's timeout-minutes in loadtest.yml.
      loadTest: { roleName: 'dogbreed-ci-load-test', environment: 'loadtest', maxSessionSeconds: 90 * 60 },
      // The scheduled drift run (drift.yml): reads a day of data capture, publishes its figures; minutes, not hours.
      drift: { roleName: 'dogbreed-ci-drift', environment: 'drift', maxSessionSeconds: 3600 },
    },
    // An instance's start and health check on AWS (the profile's warm-up), and set-up + smoke + verification.
    loadTest: { instanceWarmupSeconds: 600, otherStepsSeconds: 15 * 60 },
    // CDK's default qualifier; the execution policy replaces AdministratorAccess (docs/deploy.md, one-time set-up).
    bootstrap: { qualifier: 'hnb659fds', executionPolicyName: 'dogbreed-cfn-execution' },
    modelRegistry: {
      groups: { single: 'dogbreed-single', multi: 'dogbreed-multi' },
      // 400 labelled images give the accuracy comparison a resolution of 0.25 points; rollout.replay.minRequests is 50.
      replayInputs: {
        maxImages: 400,
        maxCaptureFiles: 20,
        captureLookbackHours: 7 * 24,
        maxListedKeys: 20_000,
      },
    },
  },
  access: {
    operators: [],
    viewers: [],
    clients: [],
    maxSessionDurationSeconds: 3600,
    notebook: { enabled: true, instanceType: 'ml.t3.medium', idleStopMinutes: 60, volumeSizeGb: 20 },
  },
  localStack: {
    host: '127.0.0.1',
    port: 4566,
    timeScale: 1,
    instanceBasePort: 0,
  },
  rollout: {
    replay: {
      minRequests: 50,
      // A retrained model on the same data should agree on nine images in ten; the rest is what the replay reports.
      minTop1Agreement: 0.9,
      maxAccuracyDrop: 0.02,
      maxMeanConfidenceShift: 0.1,
      maxP95LatencyRatio: 1.5,
    },
    // Fifteen minutes of a full copy of live traffic: at a few requests per second, hundreds of pairs.
    shadow: {
      enabled: true,
      samplingPercent: 100,
      durationSeconds: 900,
      minPairs: 50,
      minTop1Agreement: 0.9,
      maxMeanConfidenceShift: 0.1,
      maxNotADogRateIncrease: 0.05,
      maxP95LatencyRatio: 1.5,
    },
    drift: {
      windowHours: 24,
      minRequests: 200,
      maxClassMixPsi: 0.25,
      maxConfidencePsi: 0.25,
      maxNotADogRateIncrease: 0.1,
    },
    dataCapture: { enabled: true, samplingPercent: 20, localDir: '.local-stack/data-capture' },
  },
  capacityPlanning: {
    // An assumption, not a measurement: SageMaker takes minutes to add an instance (endpoint creation often 10+
    // min). Read yours from the endpoint's scaling activities (StartTime → EndTime) and override.
    instanceStartupSeconds: 300,
    // CloudWatch publishes a 1-minute period a minute or more after it ends (AWS documents SageMaker invocation metrics at a 60 s period).
    metricDelaySeconds: 60,
    prices: {
      region: 'us-east-1',
      asOf: '2025-10',
      note:
        'List prices, on-demand, SageMaker real-time inference, USD per instance-hour in us-east-1, read offline from ' +
        'third-party copies of https://aws.amazon.com/sagemaker/pricing/ (2024 to 2026); the copies disagree for ' +
        'ml.m5.xlarge (0.23 vs 0.269). No figure was found for ml.c5.large or ml.c6i.large, so they are left out. ' +
        'Check the pricing page before relying on a number.',
      instances: {
        'ml.t3.medium': {
          usdPerHour: 0.05,
          source: 'wring.co SageMaker inference guide, 2026-03 (real-time table)',
        },
        'ml.m5.large': {
          usdPerHour: 0.115,
          source: 'price lists quoting the SageMaker pricing page (us-east-1)',
        },
        'ml.m5.xlarge': {
          usdPerHour: 0.23,
          source: 'price lists quoting the SageMaker pricing page; one 2025-10 blog says 0.269',
        },
        'ml.c5.xlarge': {
          usdPerHour: 0.204,
          source: 'price list quoting the SageMaker pricing page (us-east-1)',
        },
        'ml.c5.2xlarge': {
          usdPerHour: 0.408,
          source: 'price list quoting the SageMaker pricing page (us-east-1)',
        },
        'ml.g4dn.xlarge': {
          usdPerHour: 0.736,
          source: 'price lists quoting the SageMaker pricing page, us-east-1, 2024 (0.7364)',
        },
      },
    },
  },
} as const satisfies PlatformSpecInput;
