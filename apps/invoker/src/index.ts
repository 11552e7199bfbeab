/**
 * The Lambda entry point (`index.handler`). Wiring only: configuration, Powertools and the AWS clients are made
 * once per execution environment; each invocation runs `runInvocation` and records its outcome.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { loadPlatformSpec } from '@dogbreed/platform-spec';
import type { Context } from 'aws-lambda';
import { createRuntimeClient, createS3Client } from './clients.js';
import { loadInvokerConfig } from './config.js';
import { eventRequestId } from './event.js';
import { runInvocation, type InvocationDeps } from './invocation.js';
import type { InvokerResult } from './response.js';
import { recordOutcome } from './telemetry.js';

const config = loadInvokerConfig(process.env, loadPlatformSpec(process.env));
const logger = new Logger({ serviceName: config.serviceName });
const metrics = new Metrics({ namespace: config.metricNamespace, serviceName: config.serviceName });
const tracer = new Tracer({ serviceName: config.serviceName });

const deps: InvocationDeps = {
  config,
  runtime: tracer.captureAWSv3Client(createRuntimeClient(config)),
  s3: config.inputBucket ? tracer.captureAWSv3Client(createS3Client(config)) : undefined,
};

export async function handler(event: unknown, context: Context): Promise<InvokerResult> {
  const started = performance.now();
  logger.addContext(context);
  metrics.captureColdStartMetric();
  const requestId = eventRequestId(event, context.awsRequestId);
  logger.appendKeys({ requestId });
  const outcome = await runInvocation(
    event,
    { requestId, remainingTimeMs: context.getRemainingTimeInMillis?.() },
    deps,
  );
  if (outcome.endpointName) tracer.putAnnotation('endpoint', outcome.endpointName);
  recordOutcome(outcome, performance.now() - started, { logger, metrics });
  return outcome.result;
}
