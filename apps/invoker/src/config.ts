/** The invoker's configuration, read once at init from the environment the infra writes over the platform spec. */
import { EndpointChoice, INVOKER_ENV, type PlatformSpec } from '@dogbreed/platform-spec';
import { z } from 'zod';
import { InvokerConfigError } from './errors.js';

/**
 * Powertools' own variables for the metric namespace and the service name. The infra sets both from the spec it
 * deploys, so the metrics land where its alarms look even when that spec's project or function name differs from the
 * defaults the bundle was built with.
 */
export const POWERTOOLS_ENV = {
  metricNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const;

/** Everything the invoker needs at run time: endpoint names and limits, resolved once at init. */
export interface InvokerConfig {
  readonly endpoints: Readonly<Record<EndpointChoice, string>>;
  readonly defaultEndpoint: EndpointChoice;
  /** Bucket the `s3Uri` input may read from; undefined = s3Uri input off. */
  readonly inputBucket: string | undefined;
  readonly inputPrefix: string;
  /** Lambda's synchronous payload limit: the largest event body accepted. */
  readonly maxRequestBytes: number;
  /** Largest decoded image accepted. */
  readonly maxImageBytes: number;
  /** Largest body the model server accepts: the raw image sent to the endpoint must fit. */
  readonly maxEndpointBodyBytes: number;
  readonly defaultTopK: number;
  readonly maxTopK: number;
  /** Budget for one InvokeEndpoint call including retries. */
  readonly endpointTimeoutMs: number;
  readonly maxAttempts: number;
  /** Metric namespace and service name (logs, metrics, traces). */
  readonly metricNamespace: string;
  readonly serviceName: string;
}

const EndpointName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'must be a SageMaker endpoint name')
  .max(63, 'must be at most 63 characters');
const BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');
// CloudWatch namespaces and dimension values: 1-255 characters, no leading colon.
const CloudWatchName = z.string().regex(/^[^:].{0,254}$/, 'must be 1-255 characters, not starting with ":"');
const PositiveIntString = z
  .string()
  .regex(/^[1-9][0-9]*$/, 'must be a positive integer')
  .transform(Number);

/** Reads one optional variable through a schema; names the variable in the error. */
function read<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new InvokerConfigError(
      `${name}=${JSON.stringify(raw)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * The invoker's configuration: environment variables (names from `INVOKER_ENV`, written by the infra and the
 * local stack) over the platform spec's defaults. Pure: reads only `env` and `spec`. Fails fast naming the variable.
 */
export function loadInvokerConfig(env: NodeJS.ProcessEnv, spec: PlatformSpec): InvokerConfig {
  const inv = spec.invoker;
  const endpointTimeoutMs =
    read(env, INVOKER_ENV.endpointTimeoutMs, PositiveIntString) ?? inv.endpointTimeoutMs;
  if (endpointTimeoutMs >= inv.timeoutSeconds * 1000) {
    throw new InvokerConfigError(
      `${INVOKER_ENV.endpointTimeoutMs}=${endpointTimeoutMs} must be below the function timeout (${inv.timeoutSeconds} s)`,
    );
  }
  return {
    endpoints: {
      single: read(env, INVOKER_ENV.endpointSingle, EndpointName) ?? spec.endpoints.single.name,
      multi: read(env, INVOKER_ENV.endpointMulti, EndpointName) ?? spec.endpoints.multi.name,
    },
    defaultEndpoint: read(env, INVOKER_ENV.defaultEndpoint, EndpointChoice) ?? 'single',
    inputBucket: read(env, INVOKER_ENV.inputBucket, BucketName),
    inputPrefix: read(env, INVOKER_ENV.inputPrefix, z.string()) ?? inv.s3Input.prefix,
    maxRequestBytes: inv.maxRequestBytes,
    maxImageBytes: inv.maxImageBytes,
    maxEndpointBodyBytes: spec.modelServer.maxBodyBytes,
    defaultTopK: inv.defaultTopK,
    maxTopK: inv.maxTopK,
    endpointTimeoutMs,
    maxAttempts: read(env, INVOKER_ENV.maxAttempts, PositiveIntString) ?? inv.maxAttempts,
    metricNamespace: read(env, POWERTOOLS_ENV.metricNamespace, CloudWatchName) ?? spec.project.name,
    serviceName: read(env, POWERTOOLS_ENV.serviceName, CloudWatchName) ?? inv.functionName,
  };
}

/** Timeouts of the SageMaker client: each attempt gets an equal share of the budget, so all attempts fit. */
export function endpointTimeouts(config: Pick<InvokerConfig, 'endpointTimeoutMs' | 'maxAttempts'>): {
  perAttemptMs: number;
  connectMs: number;
} {
  const perAttemptMs = Math.max(1, Math.floor(config.endpointTimeoutMs / config.maxAttempts));
  return { perAttemptMs, connectMs: Math.min(perAttemptMs, CONNECT_TIMEOUT_MS) };
}

/** TCP connect budget per attempt (a VPC interface endpoint answers in milliseconds or not at all). */
export const CONNECT_TIMEOUT_MS = 3_000;
