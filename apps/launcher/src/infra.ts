/**
 * The values the infra stacks publish in SSM that the launcher reads (bucket names, role, subnets, security group,
 * optional KMS key and images), read in one pass and checked for the required ones.
 */
import { ssmParameterNames, type PlatformSpec, type TrainingMode } from '@dogbreed/platform-spec';
import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { MissingInfraParameterError } from './errors.js';

/** What the infra publishes in SSM and the launcher needs (see ssmParameterNames in the platform spec). */
export interface InfraConfig {
  dataBucket: string;
  modelBucket: string;
  checkpointBucket: string;
  trainingRoleArn: string;
  subnetIds: string[];
  securityGroupIds: string[];
  /** KMS key for output and volumes; undefined = S3/EBS default encryption. */
  kmsKeyArn?: string;
  /**
   * Per mode: overrides the PyTorch DLC image built from the spec. One per mode because the modes run on different
   * instance types (a CPU image on a GPU instance would train on the CPU).
   */
  trainingImageUris?: Partial<Record<TrainingMode, string>>;
  /** EC2 target only. */
  ec2InstanceId?: string;
}

type Key = keyof ReturnType<typeof ssmParameterNames>;

const REQUIRED: readonly Key[] = [
  'dataBucket',
  'modelBucket',
  'checkpointBucket',
  'trainingRoleArn',
  'trainingSubnetIds',
  'trainingSecurityGroupId',
];
const OPTIONAL: readonly Key[] = ['kmsKeyArn', 'trainingImageUriSingle', 'trainingImageUriMulti'];

/**
 * What a run reads beyond the training parameters. `--register` needs nothing more: a package is registered without
 * an image (the serving image is published by the serving stack, which is deployed only after a package is approved).
 */
export interface InfraNeeds {
  ec2?: boolean;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Builds the config from name → value (pure; missing required names throw MissingInfraParameterError). */
export function infraFromValues(
  spec: PlatformSpec,
  values: Record<string, string>,
  needs: InfraNeeds = {},
): InfraConfig {
  const names = ssmParameterNames(spec);
  const required = [...REQUIRED, ...(needs.ec2 ? (['ec2TrainingInstanceId'] as const) : [])];
  const missing = required.map((k) => names[k]).filter((n) => !values[n]);
  if (missing.length > 0) throw new MissingInfraParameterError(missing);
  const get = (k: Key): string => values[names[k]] ?? '';
  const config: InfraConfig = {
    dataBucket: get('dataBucket'),
    modelBucket: get('modelBucket'),
    checkpointBucket: get('checkpointBucket'),
    trainingRoleArn: get('trainingRoleArn'),
    subnetIds: splitList(get('trainingSubnetIds')),
    securityGroupIds: splitList(get('trainingSecurityGroupId')),
  };
  if (get('kmsKeyArn')) config.kmsKeyArn = get('kmsKeyArn');
  const images: Partial<Record<TrainingMode, string>> = {};
  if (get('trainingImageUriSingle')) images.single = get('trainingImageUriSingle');
  if (get('trainingImageUriMulti')) images.multi = get('trainingImageUriMulti');
  if (images.single || images.multi) config.trainingImageUris = images;
  if (needs.ec2) config.ec2InstanceId = get('ec2TrainingInstanceId');
  return config;
}

/** For --dry-run: every value is a CloudFormation-style reference to the SSM parameter it would be read from. */
export function placeholderInfra(spec: PlatformSpec, needs: InfraNeeds = {}): InfraConfig {
  const names = ssmParameterNames(spec);
  const values: Record<string, string> = {};
  for (const k of [...REQUIRED, 'ec2TrainingInstanceId'] as const) {
    values[names[k]] = `{{resolve:ssm:${names[k]}}}`;
  }
  return infraFromValues(spec, values, needs);
}

/** Reads the parameters (GetParameters, 10 names a call). */
export async function readInfra(
  ssm: SSMClient,
  spec: PlatformSpec,
  needs: InfraNeeds = {},
): Promise<InfraConfig> {
  const names = ssmParameterNames(spec);
  const keys: Key[] = [...REQUIRED, ...OPTIONAL];
  if (needs.ec2) keys.push('ec2TrainingInstanceId');
  const wanted = keys.map((k) => names[k]);
  const values: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i += 10) {
    const out = await ssm.send(
      new GetParametersCommand({ Names: wanted.slice(i, i + 10), WithDecryption: true }),
    );
    for (const p of out.Parameters ?? []) if (p.Name && p.Value) values[p.Name] = p.Value;
  }
  return infraFromValues(spec, values, needs);
}
