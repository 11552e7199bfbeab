import { EC2Client } from '@aws-sdk/client-ec2';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { MotoServer } from '@dogbreed/testing';
import type { AwsClients } from '../../src/context.js';

/** moto's server mode: one starter for every project's tests (in the testing library). */
export { motoAvailable, startMoto, type MotoServer } from '@dogbreed/testing';

/** The launcher's real SDK clients pointed at moto with dummy credentials (S3 path-style: no DNS per bucket). */
export function motoClients(moto: MotoServer, region: string): AwsClients {
  const common = {
    region,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  return {
    sagemaker: new SageMakerClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    ssm: new SSMClient(common),
    ec2: new EC2Client(common),
  };
}
