import type { PlatformSpec } from '@dogbreed/platform-spec';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { LaunchArgs } from './args.js';
import type { InterruptSignal, Io } from './io.js';

/** Everything a target needs besides AWS: the spec in force, the validated flags, where things are. */
export interface LaunchContext {
  spec: PlatformSpec;
  args: LaunchArgs;
  region: string;
  trainingDir: string;
  io: Io;
  interrupts: InterruptSignal;
}

export interface AwsClients {
  sagemaker: SageMakerClient;
  s3: S3Client;
  ssm: SSMClient;
  ec2: EC2Client;
}

/** One planned AWS call, as --dry-run prints it. */
export interface PlannedRequest {
  operation: string;
  input: unknown;
}
