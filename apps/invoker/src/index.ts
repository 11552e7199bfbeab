/**
 * The Lambda entry point (`index.handler`). Wiring only: configuration, Powertools and the AWS clients are made
 * once per execution environment, from the environment alone (no platform spec at init); each invocation runs
 * `runInvocation` and records its outcome. Tracer and the S3 client load only where they are used.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createRuntimeClient, createS3Client } from './clients.js';
import { loadInvokerConfig } from './config.js';
import { eventRequestId } from './event.js';
import { runInvocation, type InvocationDeps } from './invocation.js';
import type { InvokerResult } from './response.js';
import { LogLineMetrics, recordOutcome } from './telemetry.js';
import { loadTracer } from './tracing.js';

const config = loadInvokerConfig(process.env);
const logger = new Logger({ serviceName: config.serviceName });
const metrics = new LogLineMetrics({ namespace: config.metricNamespace, serviceName: config.serviceName });
const tracer = await loadTracer(process.env, config.serviceName);
const runtime = createRuntimeClient(config);
const s3 = config.inputBucket ? await createS3Client(config) : undefined;

const deps: InvocationDeps = {
  config,
  runtime: tracer ? tracer.captureAWSv3Client(runtime) : runtime,
  s3: s3 && tracer ? tracer.captureAWSv3Client(s3) : s3,
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
  if (tracer && outcome.endpointName) tracer.putAnnotation('endpoint', outcome.endpointName);
  recordOutcome(outcome, performance.now() - started, { logger, metrics });
  return outcome.result;
}
