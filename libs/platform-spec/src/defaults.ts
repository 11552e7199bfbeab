import type { PlatformSpecInput } from './schema.js';

const MIB = 1024 * 1024;

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
    },
    multi: {
      name: 'dogbreed-multi-instance',
      trainingMode: 'multi',
      variantName: 'AllTraffic',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      modelArtifact: { s3Key: 'models/multi/model.tar.gz', localDir: '.local-stack/models/multi' },
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
  },
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
    intraOpThreads: 0,
    maxQueueDepth: 64,
    batching: { enabled: false, maxBatchSize: 8, maxDelayMs: 2 },
  },
  training: {
    notebookInstanceType: 'ml.t3.medium',
    singleInstanceType: 'ml.m5.xlarge',
    multiInstanceType: 'ml.g4dn.xlarge',
    multiInstanceCount: 2,
    spot: true,
    maxRuntimeSeconds: 4 * 3600,
    maxWaitSeconds: 8 * 3600,
    pytorchVersion: '2.3.0',
    pythonVersion: 'py311',
    ec2InstanceType: 'g4dn.xlarge',
    volumeSizeGb: 100,
    hyperparameters: {
      backbone: 'resnet50',
      epochs: 10,
      batchSize: 32,
      learningRate: 0.001,
      freezeBackbone: true,
      earlyStoppingPatience: 3,
      imageSize: 224,
    },
  },
  ci: {
    github: { owner: 'dogbreed-org', repo: 'dogbreed', deployBranch: 'main' },
    roles: {
      validate: { roleName: 'dogbreed-ci-validate' },
      deployInfra: { roleName: 'dogbreed-ci-deploy-infra', environment: 'infra' },
      train: { roleName: 'dogbreed-ci-train', environment: 'training' },
      deployEndpoints: { roleName: 'dogbreed-ci-deploy-endpoints', environment: 'production' },
      loadTest: { roleName: 'dogbreed-ci-load-test', environment: 'loadtest' },
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
} as const satisfies PlatformSpecInput;
