/**
 * The AWS clients, created once per execution environment. Credentials and region come from the Lambda
 * environment (never from code); the endpoint honours the SDK's standard overrides
 * (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`), which the local stack sets.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { endpointTimeouts, type InvokerConfig } from './config.js';

type ClientConfig = Pick<InvokerConfig, 'endpointTimeoutMs' | 'maxAttempts'>;

/** Per-attempt timeouts from the budget: every attempt fits in `endpointTimeoutMs`. */
function requestHandler(config: ClientConfig): NodeHttpHandler {
  const { perAttemptMs, connectMs } = endpointTimeouts(config);
  return new NodeHttpHandler({
    connectionTimeout: connectMs,
    requestTimeout: perAttemptMs,
    throwOnRequestTimeout: true,
  });
}

export function createRuntimeClient(config: ClientConfig): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({
    maxAttempts: config.maxAttempts,
    requestHandler: requestHandler(config),
  });
}

/**
 * Imported only when the s3Uri input is on (off in the default spec): the S3 client is a sixth of the bundle, and
 * evaluating it would lengthen every cold start that never reads from S3.
 */
export async function createS3Client(config: ClientConfig): Promise<S3Client> {
  const { S3Client } = await import('./s3-client.js');
  return new S3Client({ maxAttempts: config.maxAttempts, requestHandler: requestHandler(config) });
}
