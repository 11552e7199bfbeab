/**
 * The invoker's configuration, read once at init from the environment alone. The numbers come from the platform
 * spec, but through the writer of that environment (the CDK construct, the local stack: `invokerSettingsEnv`):
 * the handler neither loads nor validates the spec, which would cost most of its cold start.
 */
import { EndpointChoice, INVOKER_ENV } from '@dogbreed/platform-spec';
import * as z from 'zod';
import { InvokerConfigError } from './errors.js';

/** Everything the invoker needs at run time: endpoint names and limits, resolved once at init. */
export interface InvokerConfig {
  readonly endpoints: Readonly<Record<EndpointChoice, string>>;
  readonly defaultEndpoint: EndpointChoice;
  /** Bucket the `s3Uri` input may read from; undefined = s3Uri input off. */
  readonly inputBucket: string | undefined;
  readonly inputPrefix: string;
  /** Lambda's synchronous payload limit: the largest event body accepted. */
  readonly maxRequestBytes: number;
  /** Largest decoded image accepted (the spec keeps it within the model server's body limit). */
  readonly maxImageBytes: number;
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

type EnvName = (typeof INVOKER_ENV)[keyof typeof INVOKER_ENV];

/**
 * The variables the handler reads, one schema per name in `INVOKER_ENV` (the `satisfies` makes a name added there
 * and not read here a compile error); the construct's test checks that it writes every one.
 */
const ENV_SHAPE = {
  [INVOKER_ENV.endpointSingle]: EndpointName,
  [INVOKER_ENV.endpointMulti]: EndpointName,
  [INVOKER_ENV.defaultEndpoint]: EndpointChoice,
  [INVOKER_ENV.inputBucket]: BucketName.optional(),
  [INVOKER_ENV.inputPrefix]: z.string(),
  [INVOKER_ENV.endpointTimeoutMs]: PositiveIntString,
  [INVOKER_ENV.maxAttempts]: PositiveIntString,
  [INVOKER_ENV.maxRequestBytes]: PositiveIntString,
  [INVOKER_ENV.maxImageBytes]: PositiveIntString,
  [INVOKER_ENV.defaultTopK]: PositiveIntString,
  [INVOKER_ENV.maxTopK]: PositiveIntString,
  [INVOKER_ENV.metricNamespace]: CloudWatchName,
  [INVOKER_ENV.serviceName]: CloudWatchName,
} satisfies Record<EnvName, z.ZodType>;

export const InvokerEnvSchema = z.object(ENV_SHAPE);

/**
 * The invoker's configuration from `env` (names from `INVOKER_ENV`). Pure: reads only `env`. Fails fast naming
 * every variable that is missing or bad. An empty value counts as unset.
 */
export function loadInvokerConfig(env: NodeJS.ProcessEnv): InvokerConfig {
  const raw: Partial<Record<EnvName, string>> = {};
  for (const name of Object.values(INVOKER_ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const parsed = InvokerEnvSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = raw[name as EnvName];
      return value === undefined ? `${name} is not set` : `${name}=${JSON.stringify(value)} ${issue.message}`;
    });
    throw new InvokerConfigError(`invoker environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const config: InvokerConfig = {
    endpoints: { single: e[INVOKER_ENV.endpointSingle], multi: e[INVOKER_ENV.endpointMulti] },
    defaultEndpoint: e[INVOKER_ENV.defaultEndpoint],
    inputBucket: e[INVOKER_ENV.inputBucket],
    inputPrefix: e[INVOKER_ENV.inputPrefix],
    maxRequestBytes: e[INVOKER_ENV.maxRequestBytes],
    maxImageBytes: e[INVOKER_ENV.maxImageBytes],
    defaultTopK: e[INVOKER_ENV.defaultTopK],
    maxTopK: e[INVOKER_ENV.maxTopK],
    endpointTimeoutMs: e[INVOKER_ENV.endpointTimeoutMs],
    maxAttempts: e[INVOKER_ENV.maxAttempts],
    metricNamespace: e[INVOKER_ENV.metricNamespace],
    serviceName: e[INVOKER_ENV.serviceName],
  };
  // The spec refuses both; checked again because a hand-written environment would fail only per request.
  if (config.defaultTopK > config.maxTopK)
    throw new InvokerConfigError(
      `${INVOKER_ENV.defaultTopK}=${config.defaultTopK} must not exceed ${INVOKER_ENV.maxTopK}=${config.maxTopK}`,
    );
  if (config.maxImageBytes > config.maxRequestBytes)
    throw new InvokerConfigError(
      `${INVOKER_ENV.maxImageBytes}=${config.maxImageBytes} must not exceed ${INVOKER_ENV.maxRequestBytes}=${config.maxRequestBytes}`,
    );
  return config;
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
