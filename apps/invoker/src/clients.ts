import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { endpointTimeouts, type InvokerConfig } from './config.js';

/**
 * The AWS clients, created once per execution environment. Credentials and region come from the Lambda
 * environment (never from code); the endpoint honours the SDK's standard overrides
 * (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`), which the local stack sets.
 */
export function createRuntimeClient(
  config: Pick<InvokerConfig, 'endpointTimeoutMs' | 'maxAttempts'>,
): SageMakerRuntimeClient {
  const { perAttemptMs, connectMs } = endpointTimeouts(config);
  return new SageMakerRuntimeClient({
    maxAttempts: config.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: connectMs,
      requestTimeout: perAttemptMs,
      throwOnRequestTimeout: true,
    }),
  });
}

export function createS3Client(config: Pick<InvokerConfig, 'endpointTimeoutMs' | 'maxAttempts'>): S3Client {
  const { perAttemptMs, connectMs } = endpointTimeouts(config);
  return new S3Client({
    maxAttempts: config.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: connectMs,
      requestTimeout: perAttemptMs,
      throwOnRequestTimeout: true,
    }),
  });
}
