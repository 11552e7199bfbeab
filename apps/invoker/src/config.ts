/**
 * The invoker's configuration, read once at init from the environment alone. The numbers come from the platform
 * spec, but through the writer of that environment (the CDK construct, the local stack: `invokerSettingsEnv`):
 * the handler neither loads nor validates the spec, which would cost most of its cold start.
 */
import {
  ENDPOINT_CHOICES,
  type EndpointChoice,
  INVOKER_ENV,
  isEndpointChoice,
} from '@dogbreed/platform-spec';
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

/** One variable's rule: the checks its text must pass (each failure is reported), then its value. */
interface EnvRule<T> {
  readonly optional?: boolean;
  readonly checks: readonly (readonly [test: (value: string) => boolean, message: string])[];
  readonly value: (text: string) => T;
}

const matches = (pattern: RegExp) => (value: string) => pattern.test(value);
const text = (value: string) => value;

const EndpointName: EnvRule<string> = {
  checks: [
    [matches(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/), 'must be a SageMaker endpoint name'],
    [(value) => value.length <= 63, 'must be at most 63 characters'],
  ],
  value: text,
};
const BucketName: EnvRule<string | undefined> = {
  optional: true,
  checks: [[matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/), 'must be an S3 bucket name']],
  value: text,
};
// CloudWatch namespaces and dimension values: 1-255 characters, no leading colon.
const CloudWatchName: EnvRule<string> = {
  checks: [[matches(/^[^:].{0,254}$/), 'must be 1-255 characters, not starting with ":"']],
  value: text,
};
const PositiveIntString: EnvRule<number> = {
  checks: [[matches(/^[1-9][0-9]*$/), 'must be a positive integer']],
  value: Number,
};
const Endpoint: EnvRule<EndpointChoice> = {
  checks: [[isEndpointChoice, `must be one of ${ENDPOINT_CHOICES.map((c) => JSON.stringify(c)).join(', ')}`]],
  value: (value) => value as EndpointChoice,
};

type EnvName = (typeof INVOKER_ENV)[keyof typeof INVOKER_ENV];

/**
 * The variables the handler reads, one rule per name in `INVOKER_ENV` (the `satisfies` makes a name added there
 * and not read here a compile error); the construct's test checks that it writes every one. Plain checks rather
 * than a zod schema: zod builds and compiles an object schema on its first run, which every cold start paid for a
 * check made once.
 */
export const INVOKER_ENV_RULES = {
  [INVOKER_ENV.endpointSingle]: EndpointName,
  [INVOKER_ENV.endpointMulti]: EndpointName,
  [INVOKER_ENV.defaultEndpoint]: Endpoint,
  [INVOKER_ENV.inputBucket]: BucketName,
  [INVOKER_ENV.inputPrefix]: { checks: [], value: text },
  [INVOKER_ENV.endpointTimeoutMs]: PositiveIntString,
  [INVOKER_ENV.maxAttempts]: PositiveIntString,
  [INVOKER_ENV.maxRequestBytes]: PositiveIntString,
  [INVOKER_ENV.maxImageBytes]: PositiveIntString,
  [INVOKER_ENV.defaultTopK]: PositiveIntString,
  [INVOKER_ENV.maxTopK]: PositiveIntString,
  [INVOKER_ENV.metricNamespace]: CloudWatchName,
  [INVOKER_ENV.serviceName]: CloudWatchName,
} as const satisfies Record<EnvName, EnvRule<unknown>>;

type EnvValues = {
  -readonly [K in keyof typeof INVOKER_ENV_RULES]: ReturnType<(typeof INVOKER_ENV_RULES)[K]['value']>;
};

/**
 * The invoker's configuration from `env` (names from `INVOKER_ENV`). Pure: reads only `env`. Fails fast naming
 * every variable that is missing or bad. An empty value counts as unset.
 */
export function loadInvokerConfig(env: NodeJS.ProcessEnv): InvokerConfig {
  const problems: string[] = [];
  const e: Partial<Record<EnvName, unknown>> = {};
  for (const [name, rule] of Object.entries(INVOKER_ENV_RULES) as [EnvName, EnvRule<unknown>][]) {
    const value = env[name];
    if (value === undefined || value === '') {
      if (!rule.optional) problems.push(`${name} is not set`);
      continue;
    }
    const failed = rule.checks.filter(([test]) => !test(value));
    for (const [, message] of failed) problems.push(`${name}=${JSON.stringify(value)} ${message}`);
    if (failed.length === 0) e[name] = rule.value(value);
  }
  if (problems.length > 0) throw new InvokerConfigError(`invoker environment: ${problems.join('; ')}`);
  const values = e as EnvValues;
  const config: InvokerConfig = {
    endpoints: { single: values[INVOKER_ENV.endpointSingle], multi: values[INVOKER_ENV.endpointMulti] },
    defaultEndpoint: values[INVOKER_ENV.defaultEndpoint],
    inputBucket: values[INVOKER_ENV.inputBucket],
    inputPrefix: values[INVOKER_ENV.inputPrefix],
    maxRequestBytes: values[INVOKER_ENV.maxRequestBytes],
    maxImageBytes: values[INVOKER_ENV.maxImageBytes],
    defaultTopK: values[INVOKER_ENV.defaultTopK],
    maxTopK: values[INVOKER_ENV.maxTopK],
    endpointTimeoutMs: values[INVOKER_ENV.endpointTimeoutMs],
    maxAttempts: values[INVOKER_ENV.maxAttempts],
    metricNamespace: values[INVOKER_ENV.metricNamespace],
    serviceName: values[INVOKER_ENV.serviceName],
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
