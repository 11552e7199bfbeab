import { EC2Client } from '@aws-sdk/client-ec2';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClients } from './context.js';

/**
 * The SDK clients for a region. The SDK itself honours AWS_ENDPOINT_URL (moto, LocalStack); with it set, S3
 * uses path-style addressing, which local endpoints need.
 */
export function createAwsClients(region: string, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const local = Boolean(env['AWS_ENDPOINT_URL']);
  return {
    sagemaker: new SageMakerClient({ region }),
    s3: new S3Client({ region, forcePathStyle: local }),
    ssm: new SSMClient({ region }),
    ec2: new EC2Client({ region }),
  };
}
