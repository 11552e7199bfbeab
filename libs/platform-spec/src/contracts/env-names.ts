import type { InvokerSpec, ModelServerSpec, PlatformSpec } from '../spec/index.js';

/**
 * Environment variable names shared by the writer (CDK, the local stack, the container) and the reader
 * (the program). One list, so a name is never spelled twice.
 */
export const MODEL_SERVER_ENV = {
  /** Directory with model.onnx + metadata.json (SageMaker mounts /opt/ml/model). */
  modelDir: 'MODEL_DIR',
  /** SageMaker's contract: the port to listen on. */
  port: 'SAGEMAKER_BIND_TO_PORT',
  /** Bind address: 0.0.0.0 in the container, 127.0.0.1 in the local stack and tests. */
  host: 'MODEL_SERVER_HOST',
  intraOpThreads: 'MODEL_SERVER_INTRA_OP_THREADS',
  inferenceSessions: 'MODEL_SERVER_INFERENCE_SESSIONS',
  /** `modelServer.soloIntraOpThreads`: intra-op threads of the session that runs a lone batch (0 = one per vCPU). */
  soloIntraOpThreads: 'MODEL_SERVER_SOLO_INTRA_OP_THREADS',
  /** `modelServer.soloSpinning`: the solo session's threads busy-wait between the parts of a run (`true`/`false`). */
  soloSpinning: 'MODEL_SERVER_SOLO_SPINNING',
  maxQueueDepth: 'MODEL_SERVER_MAX_QUEUE_DEPTH',
  maxBodyBytes: 'MODEL_SERVER_MAX_BODY_BYTES',
  /** `modelServer.shrinkOnLoadMargin`: a large image is reduced while decoding to this many times the resize target. */
  shrinkOnLoadMargin: 'MODEL_SERVER_SHRINK_ON_LOAD_MARGIN',
  batching: 'MODEL_SERVER_BATCHING',
  maxBatchSize: 'MODEL_SERVER_MAX_BATCH_SIZE',
  maxBatchDelayMs: 'MODEL_SERVER_MAX_BATCH_DELAY_MS',
  /** `modelServer.dog.threshold`: a photo is a dog when the model's dog output is at least this (0 to 1). */
  dogThreshold: 'MODEL_SERVER_DOG_THRESHOLD',
  /** `modelServer.dog.policy`: `flag` answers a non-dog with `dog.isDog: false`, `refuse` with 422 NOT_A_DOG. */
  dogPolicy: 'MODEL_SERVER_DOG_POLICY',
  logLevel: 'LOG_LEVEL',
} as const;

/** The model server's log message once it accepts connections; its `port` field is the bound port (port 0 = any). */
export const MODEL_SERVER_LISTENING_MSG = 'listening';

/** The port from a model-server log line `{"msg":"listening","port":N}`, else undefined. */
export function listeningPort(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const rec = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return rec.msg === MODEL_SERVER_LISTENING_MSG && typeof rec.port === 'number' ? rec.port : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The model server's settings as its environment (threads, queue, body cap, batching, the dog verdict): one mapping for every
 * writer — the CDK endpoint model and the local stack's instances. Where to listen and what to load differ per
 * writer and are added by each (`modelDir`, `port`, `host`).
 */
export function modelServerSettingsEnv(ms: ModelServerSpec): Record<string, string> {
  return {
    [MODEL_SERVER_ENV.intraOpThreads]: String(ms.intraOpThreads),
    [MODEL_SERVER_ENV.inferenceSessions]: String(ms.inferenceSessions),
    [MODEL_SERVER_ENV.soloIntraOpThreads]: String(ms.soloIntraOpThreads),
    [MODEL_SERVER_ENV.soloSpinning]: String(ms.soloSpinning),
    [MODEL_SERVER_ENV.maxQueueDepth]: String(ms.maxQueueDepth),
    [MODEL_SERVER_ENV.maxBodyBytes]: String(ms.maxBodyBytes),
    [MODEL_SERVER_ENV.shrinkOnLoadMargin]: String(ms.shrinkOnLoadMargin),
    [MODEL_SERVER_ENV.batching]: String(ms.batching.enabled),
    [MODEL_SERVER_ENV.maxBatchSize]: String(ms.batching.maxBatchSize),
    [MODEL_SERVER_ENV.maxBatchDelayMs]: String(ms.batching.maxDelayMs),
    [MODEL_SERVER_ENV.dogThreshold]: String(ms.dog.threshold),
    [MODEL_SERVER_ENV.dogPolicy]: ms.dog.policy,
  };
}

/**
 * The invoker's whole configuration: it reads these and nothing of the platform spec, so every one is written by
 * each writer (the CDK construct, the local stack). All are required except `inputBucket`.
 */
export const INVOKER_ENV = {
  endpointSingle: 'DOGBREED_ENDPOINT_SINGLE',
  endpointMulti: 'DOGBREED_ENDPOINT_MULTI',
  /** `single` or `multi`: the endpoint used when a request names none. */
  defaultEndpoint: 'DOGBREED_DEFAULT_ENDPOINT',
  /** Bucket the optional `s3Uri` input may read from (unset = s3Uri input off). */
  inputBucket: 'DOGBREED_INPUT_BUCKET',
  inputPrefix: 'DOGBREED_INPUT_PREFIX',
  endpointTimeoutMs: 'DOGBREED_ENDPOINT_TIMEOUT_MS',
  maxAttempts: 'DOGBREED_MAX_ATTEMPTS',
  maxRequestBytes: 'DOGBREED_MAX_REQUEST_BYTES',
  maxImageBytes: 'DOGBREED_MAX_IMAGE_BYTES',
  defaultTopK: 'DOGBREED_DEFAULT_TOP_K',
  maxTopK: 'DOGBREED_MAX_TOP_K',
  /** Powertools' own names: the metric namespace and the `service` dimension (where the alarms look). */
  metricNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const;

/**
 * The invoker's settings from `spec.invoker` as its environment, and where its metrics go: one mapping for every
 * writer (the CDK construct, the local stack). The endpoint names, the default endpoint and the input bucket differ
 * per writer and are added by each.
 */
export function invokerSettingsEnv(
  inv: InvokerSpec,
  metrics: { readonly namespace: string; readonly serviceName: string },
): Record<string, string> {
  return {
    [INVOKER_ENV.inputPrefix]: inv.s3Input.prefix,
    [INVOKER_ENV.endpointTimeoutMs]: String(inv.endpointTimeoutMs),
    [INVOKER_ENV.maxAttempts]: String(inv.maxAttempts),
    [INVOKER_ENV.maxRequestBytes]: String(inv.maxRequestBytes),
    // The spec already caps it at modelServer.maxBodyBytes (the image is the endpoint's raw body).
    [INVOKER_ENV.maxImageBytes]: String(inv.maxImageBytes),
    [INVOKER_ENV.defaultTopK]: String(inv.defaultTopK),
    [INVOKER_ENV.maxTopK]: String(inv.maxTopK),
    [INVOKER_ENV.metricNamespace]: metrics.namespace,
    [INVOKER_ENV.serviceName]: metrics.serviceName,
  };
}

/** SSM parameters the infra writes and the launcher / CI read (no copy-pasted ARNs or IDs). */
export function ssmParameterNames(spec: PlatformSpec) {
  const p = `/${spec.project.name}`;
  return {
    dataBucket: `${p}/buckets/data`,
    modelBucket: `${p}/buckets/models`,
    checkpointBucket: `${p}/buckets/checkpoints`,
    kmsKeyArn: `${p}/kms/key-arn`,
    trainingRoleArn: `${p}/training/sagemaker-role-arn`,
    trainingSubnetIds: `${p}/network/private-subnet-ids`,
    trainingSecurityGroupId: `${p}/network/training-security-group-id`,
    ec2TrainingInstanceId: `${p}/training/ec2-instance-id`,
    // One training image per mode: the modes run on different instance types (CPU vs GPU containers).
    trainingImageUriSingle: `${p}/training/image-uri/single`,
    trainingImageUriMulti: `${p}/training/image-uri/multi`,
    modelServerImageUri: `${p}/serving/model-server-image-uri`,
    invokerFunctionUrl: `${p}/invoker/function-url`,
    invokerFunctionName: `${p}/invoker/function-name`,
    // The model artifact each endpoint serves, written by the serving stack itself (so only a deploy that succeeded
    // records it); deploy-endpoints reuses them when training is skipped.
    deployedModelSingle: `${p}/serving/deployed-model/single`,
    deployedModelMulti: `${p}/serving/deployed-model/multi`,
  } as const;
}

/**
 * Key prefixes inside the project's buckets: the one spelling every policy, the launcher and the trainers use.
 * Fixed (not a spec field): a bucket's layout outlives any spec override.
 */
export const S3_PREFIXES = {
  /** Data bucket: the ImageFolder datasets (train/ valid/ test/ below it). */
  datasets: 'datasets/',
  /** Model bucket: packaged model.tar.gz artifacts the endpoints serve (the spec's `modelArtifact.s3Key`). */
  models: 'models/',
  /** Model bucket: training outputs (SageMaker jobs, and `ec2-<mode>/` runs of the EC2 trainer). */
  trainingOutput: 'training-output/',
  /** Model bucket: the launcher's packaged training code (`sourcedir.tar.gz`, by content hash). */
  trainingSource: 'training-source/',
  /** Model bucket: pretrained backbone weights, uploaded once and reused by hash. */
  pretrained: 'pretrained/',
  /** Model bucket: the development notebook's own work (the only prefix it may write there). */
  notebook: 'notebook/',
  /** Model bucket: endpoint data capture. */
  dataCapture: 'data-capture/',
  /** Checkpoint bucket: spot-training checkpoints. */
  checkpoints: 'checkpoints/',
} as const;
