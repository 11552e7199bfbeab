/**
 * The IAM seam (issue 16): every AWS call the pipeline's programs make, recorded while they run against moto, is
 * evaluated by a real IAM engine (@cloud-copilot/iam-simulate) against what the synthesized templates give the
 * stage's role: its identity policies, the permissions boundary, the bucket policy and the KMS key policy. Programs:
 * train (tools/gha/pretrained-weights.ts, then `dogbreed-train --target sagemaker --register`, and what the SageMaker
 * execution role must then read and write for that job), replay (tools/gha/replay-inputs.ts), approveModel
 * (tools/gha/approve-model.ts), deploy-endpoints (tools/gha/approved-models.ts and the infra:deploy wrapper's artifact
 * resolution) and loadTest (the verifier). A call nobody mapped to IAM fails the test, so a new call is never left
 * unchecked; removing one grant from a template must make a call fail (the last tests show it).
 *
 * Session continuity is checked here too: each job asks for a session no longer than its role's MaxSessionDuration.
 * The validate stage's reads (the training decision's registry reads and the pre-flight doctor's) are checked as a
 * list of requests, and the train role's kms:CreateGrant for the training volume (VolumeKmsKeyId) is derived from the
 * recorded CreateTrainingJob.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  dataCaptureFolder,
  PLATFORM_SPEC,
  S3_PREFIXES,
  shadowVariantName,
  ssmParameterNames,
  type CiStage,
} from '@dogbreed/platform-spec';
import {
  motoAvailable,
  startAwsRecorder,
  startMoto,
  tinyModelArtifact,
  type AwsRecorder,
  type MotoServer,
  type RecordedCall,
} from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';
import { composeInfra } from '@dogbreed/infra-constructs';
import { infraInputs } from '../../src/inputs.js';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveServingModels } from '../../scripts/serving-artifacts.js';

const spec = PLATFORM_SPEC;
const ACCOUNT = '123456789012';
const REGION = spec.project.region;
const names = ssmParameterNames(spec);
const ROOT = workspaceRoot();
/** Physical names the stacks would get; the SSM parameters hold them, as the data stack publishes them. */
const PHYSICAL = {
  dataBucket: 'dogbreed-data-storesdata-1abc',
  modelBucket: 'dogbreed-data-storesmodels-2def',
  checkpointBucket: 'dogbreed-data-storescheckpoints-3abc',
  keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`,
} as const;
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/${spec.project.name}-sagemaker-training`;
/** The train stage's SageMaker job (named as deploy.yml names it: project, mode, run id, attempt). */
const JOB_NAME = `${spec.project.name}-single-4242-1`;
const GROUPS = spec.ci.modelRegistry.groups;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}
type TemplateJson = {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: Json; Export?: { Name: string } }>;
};
type Doc = { Statement: Json[] };

/** Ref / GetAtt / Join / Select / ImportValue, with the physical values of the logical ids we know. */
function resolve(
  value: Json,
  ids: Record<string, { ref: string; arn?: string }>,
  imports: Record<string, string>,
): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(v, ids, imports));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const k = keys[0] as string;
    const arg = value[k] as Json;
    if (k === 'Ref') {
      const pseudo: Record<string, string> = {
        'AWS::Partition': 'aws',
        'AWS::AccountId': ACCOUNT,
        'AWS::Region': REGION,
        'AWS::URLSuffix': 'amazonaws.com',
      };
      const v = pseudo[arg as string] ?? ids[arg as string]?.ref;
      if (v === undefined) return `unresolved:${String(arg)}`;
      return v;
    }
    if (k === 'Fn::GetAtt') {
      const [id, attr] = arg as [string, string];
      return (attr === 'Arn' ? ids[id]?.arn : undefined) ?? `unresolved:${id}.${attr}`;
    }
    if (k === 'Fn::Join') {
      const [sep, parts] = arg as [string, Json[]];
      return parts.map((p) => resolve(p, ids, imports)).join(sep);
    }
    if (k === 'Fn::Select') {
      const [i, list] = arg as [number, Json];
      return (resolve(list, ids, imports) as Json[])[Number(i)] ?? null;
    }
    if (k === 'Fn::ImportValue') return imports[arg as string] ?? `unresolved-import:${String(arg)}`;
  }
  return Object.fromEntries(keys.map((key) => [key, resolve(value[key] as Json, ids, imports)]));
}

/** What iam-simulate needs for a principal, and the resource policies of the project's buckets and key. */
interface Policies {
  readonly identity: Record<string, Doc[]>;
  readonly boundary: Doc;
  readonly bucketPolicy: Record<string, Doc>;
  readonly keyPolicy: Doc;
}

/** A policy statement to take out: by its Sid, or by a test of the whole statement. */
type StatementPick = string | ((statement: unknown) => boolean);
const picks = (pick: StatementPick) => (st: unknown) =>
  typeof pick === 'string' ? (st as { Sid?: string }).Sid === pick : pick(st);

/** `p` without the statements `pick` selects from one bucket's policy. */
function withoutBucketStatement(p: Policies, bucket: string, pick: StatementPick): Policies {
  const doc = p.bucketPolicy[bucket];
  const Statement = (doc?.Statement ?? []).filter((st) => !picks(pick)(st));
  return { ...p, bucketPolicy: { ...p.bucketPolicy, [bucket]: { ...doc, Statement } as Doc } };
}

/** `p` without the statements `pick` selects from a role's identity policies. */
function withoutRoleStatement(p: Policies, role: string, pick: StatementPick): Policies {
  const docs = (p.identity[role] ?? []).map((d) => ({
    ...d,
    Statement: d.Statement.filter((st) => !picks(pick)(st)),
  }));
  return { ...p, identity: { ...p.identity, [role]: docs } };
}

function policiesFrom(t: {
  ci: TemplateJson;
  data: TemplateJson;
  training: TemplateJson;
  boundary: TemplateJson;
}): Policies {
  // Logical ids of the buckets and the key, from the SSM parameters the data stack publishes.
  const ids: Record<string, { ref: string; arn?: string }> = {};
  const byParam = (param: string): string | undefined => {
    const p = Object.values(t.data.Resources).find(
      (r) => r.Type === 'AWS::SSM::Parameter' && r.Properties?.['Name'] === param,
    );
    const v = p?.Properties?.['Value'] as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
    return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
  };
  for (const [param, bucket] of [
    [names.dataBucket, PHYSICAL.dataBucket],
    [names.modelBucket, PHYSICAL.modelBucket],
    [names.checkpointBucket, PHYSICAL.checkpointBucket],
  ] as const) {
    const id = byParam(param);
    if (!id) throw new Error(`the data stack publishes no ${param}`);
    ids[id] = { ref: bucket, arn: `arn:aws:s3:::${bucket}` };
  }
  const keyId = byParam(names.kmsKeyArn);
  if (!keyId) throw new Error(`the data stack publishes no ${names.kmsKeyArn}`);
  ids[keyId] = { ref: PHYSICAL.keyArn.split('/')[1] ?? '', arn: PHYSICAL.keyArn };
  const imports: Record<string, string> = {};
  for (const o of Object.values(t.data.Outputs ?? {}))
    if (o.Export) imports[o.Export.Name] = String(resolve(o.Value, ids, {}));

  const identity: Record<string, Doc[]> = {};
  for (const tpl of [t.ci, t.training]) {
    const roles = Object.entries(tpl.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    for (const [logicalId, role] of roles) {
      const name = role.Properties?.['RoleName'];
      if (typeof name !== 'string') continue;
      const inline = ((role.Properties?.['Policies'] ?? []) as { PolicyDocument: Json }[]).map(
        (p) => resolve(p.PolicyDocument, ids, imports) as unknown as Doc,
      );
      const attached = Object.values(tpl.Resources)
        .filter(
          (r) =>
            r.Type === 'AWS::IAM::Policy' &&
            JSON.stringify(r.Properties?.['Roles'] ?? []).includes(`"${logicalId}"`),
        )
        .map((r) => resolve(r.Properties?.['PolicyDocument'] ?? null, ids, imports) as unknown as Doc);
      identity[name] = [...inline, ...attached];
    }
  }
  const boundaryRes = Object.values(t.boundary.Resources).find((r) => r.Type === 'AWS::IAM::ManagedPolicy');
  const bucketPolicy: Record<string, Doc> = {};
  for (const r of Object.values(t.data.Resources).filter((x) => x.Type === 'AWS::S3::BucketPolicy')) {
    const bucket = resolve(r.Properties?.['Bucket'] ?? null, ids, imports) as string;
    bucketPolicy[bucket] = resolve(r.Properties?.['PolicyDocument'] ?? null, ids, imports) as unknown as Doc;
  }
  const key = t.data.Resources[keyId];
  return {
    identity,
    boundary: resolve(boundaryRes?.Properties?.['PolicyDocument'] ?? null, ids, imports) as unknown as Doc,
    bucketPolicy,
    keyPolicy: resolve(key?.Properties?.['KeyPolicy'] ?? null, ids, imports) as unknown as Doc,
  };
}

/** One IAM authorization a call needs. */
interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
  /** Who needs it when not the caller (a service acting with a role the caller passed). */
  readonly principalRole?: string;
}

const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const s3Object = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const viaS3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com` };

function s3Parts(call: RecordedCall): { bucket: string; key: string } {
  const [, bucket = '', ...key] = call.path.split('/');
  return { bucket, key: decodeURIComponent(key.join('/')) };
}

/** The channels of a CreateTrainingJob: what the execution role must read (prefix or object) and write. */
function trainingJobNeeds(body: Record<string, unknown>): IamRequest[] {
  const out: IamRequest[] = [];
  const uri = (u: string) => /^s3:\/\/([^/]+)\/(.*)$/.exec(u)?.slice(1) as [string, string];
  for (const ch of (body['InputDataConfig'] ?? []) as { DataSource: { S3DataSource: { S3Uri: string } } }[]) {
    const [bucket, key] = uri(ch.DataSource.S3DataSource.S3Uri);
    out.push({
      action: 's3:ListBucket',
      resource: `arn:aws:s3:::${bucket}`,
      context: { 's3:prefix': key },
      principalRole: EXECUTION_ROLE,
    });
    out.push({
      action: 's3:GetObject',
      resource: s3Object(bucket, key.endsWith('/') ? `${key}beagle/1.jpg` : key),
      principalRole: EXECUTION_ROLE,
    });
    out.push({
      action: 'kms:Decrypt',
      resource: PHYSICAL.keyArn,
      context: viaS3,
      principalRole: EXECUTION_ROLE,
    });
  }
  const output = (body['OutputDataConfig'] as { S3OutputPath: string }).S3OutputPath;
  const [ob, ok] = uri(output);
  out.push({
    action: 's3:PutObject',
    resource: s3Object(ob, `${ok}${String(body['TrainingJobName'])}/output/model.tar.gz`),
    principalRole: EXECUTION_ROLE,
  });
  out.push({
    action: 'kms:GenerateDataKey',
    resource: PHYSICAL.keyArn,
    context: viaS3,
    principalRole: EXECUTION_ROLE,
  });
  const checkpoint = (body['CheckpointConfig'] as { S3Uri: string } | undefined)?.S3Uri;
  if (checkpoint) {
    const [cb, ck] = uri(checkpoint);
    out.push({
      action: 's3:PutObject',
      resource: s3Object(cb, `${ck}checkpoint.pt`),
      principalRole: EXECUTION_ROLE,
    });
  }
  return out;
}

/** The IAM requests behind one recorded call; an unmapped call throws (so a new call is never silently allowed). */
function iamRequests(call: RecordedCall): IamRequest[] {
  const op = `${call.service}:${call.operation}`;
  const body = (): Record<string, unknown> =>
    call.body ? (JSON.parse(call.body) as Record<string, unknown>) : {};
  switch (op) {
    case 'ssm:GetParameter':
      return [{ action: 'ssm:GetParameter', resource: arn('ssm', `parameter${String(body()['Name'])}`) }];
    case 'ssm:GetParameters':
      return (body()['Names'] as string[]).map((n) => ({
        action: 'ssm:GetParameters',
        resource: arn('ssm', `parameter${n}`),
      }));
    case 's3:ListObjectsV2': {
      const { bucket } = s3Parts(call);
      return [
        {
          action: 's3:ListBucket',
          resource: `arn:aws:s3:::${bucket}`,
          context: { 's3:prefix': new URLSearchParams(call.query).get('prefix') ?? '' },
        },
      ];
    }
    case 's3:HeadObject': {
      const { bucket, key } = s3Parts(call);
      return [{ action: 's3:GetObject', resource: s3Object(bucket, key) }];
    }
    case 's3:GetObject': {
      const { bucket, key } = s3Parts(call);
      // The object's data key is encrypted with the project key: S3 asks KMS to decrypt it for the reader.
      return [
        { action: 's3:GetObject', resource: s3Object(bucket, key) },
        { action: 'kms:Decrypt', resource: PHYSICAL.keyArn, context: viaS3 },
      ];
    }
    case 's3:PutObject': {
      const { bucket, key } = s3Parts(call);
      // The buckets encrypt with the project key: S3 asks KMS for a data key on the caller's behalf.
      return [
        { action: 's3:PutObject', resource: s3Object(bucket, key) },
        { action: 'kms:GenerateDataKey', resource: PHYSICAL.keyArn, context: viaS3 },
      ];
    }
    case 'sagemaker:CreateTrainingJob': {
      const b = body();
      const job = arn('sagemaker', `training-job/${String(b['TrainingJobName']).toLowerCase()}`);
      return [
        { action: 'sagemaker:CreateTrainingJob', resource: job },
        {
          action: 'iam:PassRole',
          resource: String(b['RoleArn']),
          context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
        },
        ...trainingJobNeeds(b),
        // A volume encrypted with the project key: SageMaker creates a grant on it in the caller's name.
        ...((b['ResourceConfig'] as { VolumeKmsKeyId?: string } | undefined)?.VolumeKmsKeyId
          ? [
              {
                action: 'kms:CreateGrant',
                resource: String((b['ResourceConfig'] as { VolumeKmsKeyId: string }).VolumeKmsKeyId),
                context: { 'kms:GrantIsForAWSResource': 'true' },
              },
            ]
          : []),
      ];
    }
    case 'sagemaker:DescribeTrainingJob':
    case 'sagemaker:StopTrainingJob':
      return [
        {
          action: op,
          resource: arn('sagemaker', `training-job/${String(body()['TrainingJobName']).toLowerCase()}`),
        },
      ];
    case 'sagemaker:DescribeModelPackageGroup':
      return [
        {
          action: op,
          resource: arn('sagemaker', `model-package-group/${String(body()['ModelPackageGroupName'])}`),
        },
      ];
    case 'sagemaker:CreateModelPackageGroup': {
      const b = body();
      const group = arn('sagemaker', `model-package-group/${String(b['ModelPackageGroupName'])}`);
      // Tags given at creation need sagemaker:AddTags on the new resource too.
      return [
        { action: op, resource: group },
        ...(b['Tags'] ? [{ action: 'sagemaker:AddTags', resource: group }] : []),
      ];
    }
    case 'sagemaker:CreateModelPackage': {
      const b = body();
      // The version SageMaker numbers it: the first of a fresh group here.
      const pkg = arn('sagemaker', `model-package/${String(b['ModelPackageGroupName'])}/1`);
      return [
        { action: op, resource: pkg },
        ...(b['Tags'] ? [{ action: 'sagemaker:AddTags', resource: pkg }] : []),
      ];
    }
    case 'sagemaker:DescribeModelPackage':
      return [{ action: op, resource: String(body()['ModelPackageName']) }];
    case 'sagemaker:UpdateModelPackage':
      return [{ action: op, resource: String(body()['ModelPackageArn']) }];
    case 'sagemaker:ListModelPackages':
      return [{ action: op, resource: '*' }]; // no resource scoping: the group is a request parameter
    case 'sagemaker:DescribeEndpoint':
      return [
        {
          action: op,
          resource: arn('sagemaker', `endpoint/${String(body()['EndpointName']).toLowerCase()}`),
        },
      ];
    case 'logs:GetLogEvents':
    case 'logs:DescribeLogStreams': {
      const b = body();
      const stream = b['logStreamName'] ? `:log-stream:${String(b['logStreamName'])}` : '';
      return [{ action: op, resource: arn('logs', `log-group:${String(b['logGroupName'])}${stream}`) }];
    }
    case 'monitoring:GetMetricData':
      return [{ action: 'cloudwatch:GetMetricData', resource: '*' }];
    case 'application-autoscaling:DescribeScalingActivities':
    case 'application-autoscaling:DescribeScalableTargets':
      return [{ action: op, resource: '*' }];
    case 'sts:GetCallerIdentity':
      return []; // needs no permission
    default:
      throw new Error(
        `unmapped AWS call ${op} ${call.method} ${call.path}: add its IAM action to iamRequests`,
      );
  }
}

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

async function decide(p: Policies, roleName: string, req: IamRequest): Promise<Decision> {
  const bucket = /^arn:aws:s3:::([^/]+)/.exec(req.resource)?.[1];
  const resourcePolicy = req.action.startsWith('kms:')
    ? p.keyPolicy
    : bucket
      ? p.bucketPolicy[bucket]
      : undefined;
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/session`,
        action: req.action,
        resource: { resource: req.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', 'aws:RequestedRegion': REGION, ...req.context },
      },
      identityPolicies: (p.identity[roleName] ?? []).map((policy, i) => ({
        name: `${roleName}-${i}`,
        policy,
      })),
      permissionBoundaryPolicies: [{ name: 'boundary', policy: p.boundary }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error')
    throw new Error(`simulation input rejected: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

const roleOf = (stage: CiStage) => spec.ci.roles[stage].roleName;

/**
 * Runs a program to completion with fake credentials against the recorder (asynchronously: the recorder answers in
 * this process), at most 4 minutes; returns its exit status and output.
 */
async function run(
  command: string[],
  recorder: AwsRecorder,
  extraEnv: Record<string, string> = {},
): Promise<{ status: number | null; output: string }> {
  const child = spawn(command[0] ?? '', command.slice(1), {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIASEAMTEST00000000',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: recorder.endpoint,
      GITHUB_OUTPUT: join(tmp, 'github-output'),
      ...extraEnv,
    },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, output };
}

let tmp = '';

describe.skipIf(!motoAvailable())(
  'IAM seam: recorded pipeline calls against the synthesized policies (skipped: moto_server not installed, run tools/setup.sh)',
  () => {
    let moto: MotoServer;
    let recorder: AwsRecorder;
    let templates: { ci: TemplateJson; data: TemplateJson; training: TemplateJson; boundary: TemplateJson };
    let policies: Policies;
    const calls: Record<
      'train' | 'replay' | 'approveModel' | 'deployEndpoints' | 'loadTest',
      RecordedCall[]
    > = {
      train: [],
      replay: [],
      approveModel: [],
      deployEndpoints: [],
      loadTest: [],
    };
    const gateOutput: string[] = [];
    let trainOutput = '';

    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'iam-seam-'));
      writeFileSync(join(tmp, 'github-output'), ''); // @actions/core appends step outputs to an existing file
      // The app exactly as apps/infra/src/main.ts composes it (the invoker bundle must be built: infra:test depends on it).
      const app = new App();
      const stacks = composeInfra(app, spec, infraInputs(ROOT));
      app.synth();
      const json = (k: 'ci' | 'data' | 'training' | 'boundary') =>
        Template.fromStack(stacks[k]).toJSON() as TemplateJson;
      templates = {
        ci: json('ci'),
        data: json('data'),
        training: json('training'),
        boundary: json('boundary'),
      };
      policies = policiesFrom(templates);

      moto = await startMoto();
      recorder = await startAwsRecorder({ upstream: moto.endpoint });
      const common = {
        region: REGION,
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      };
      const ssm = new SSMClient(common);
      const s3 = new S3Client({ ...common, forcePathStyle: true });
      const params: Record<string, string> = {
        [names.dataBucket]: PHYSICAL.dataBucket,
        [names.modelBucket]: PHYSICAL.modelBucket,
        [names.checkpointBucket]: PHYSICAL.checkpointBucket,
        [names.kmsKeyArn]: PHYSICAL.keyArn,
        [names.trainingRoleArn]: EXECUTION_ROLE,
        [names.trainingSubnetIds]: 'subnet-0aaa1111,subnet-0bbb2222',
        [names.trainingSecurityGroupId]: 'sg-0ccc3333',
        // No model-server image URI: only the serving stack writes it, after training (the first deploy has none).
      };
      for (const [Name, Value] of Object.entries(params))
        await ssm.send(new PutParameterCommand({ Name, Value, Type: 'String' }));
      for (const b of [PHYSICAL.dataBucket, PHYSICAL.modelBucket, PHYSICAL.checkpointBucket])
        await s3.send(new CreateBucketCommand({ Bucket: b }));
      // What the train stage's SageMaker job writes (moto runs no container): the launcher registers it.
      const tarball = await tinyModelArtifact({}, { test_top1: 0.9 });
      const trainedKey = `${S3_PREFIXES.trainingOutput}single/${JOB_NAME}/output/model.tar.gz`;
      await s3.send(new PutObjectCommand({ Bucket: PHYSICAL.modelBucket, Key: trainedKey, Body: tarball }));
      for (const split of ['train', 'valid', 'test']) {
        await s3.send(
          new PutObjectCommand({
            Bucket: PHYSICAL.dataBucket,
            Key: `${S3_PREFIXES.datasets}${split}/beagle/1.jpg`,
            Body: 'jpg',
          }),
        );
      }

      // train: the weights step, then the launcher exactly as deploy.yml runs it (plus a short poll for moto).
      recorder.calls.length = 0;
      const weights = await run(
        ['npx', 'tsx', '--tsconfig', 'tsconfig.base.json', 'tools/gha/pretrained-weights.ts'],
        recorder,
      );
      const channel =
        /channel-uri<<(\S+)\n(\S*)\n/.exec(readFileSync(join(tmp, 'github-output'), 'utf8'))?.[2] ?? '';
      if (!channel) throw new Error(`pretrained-weights.ts set no channel-uri:\n${weights.output}`);
      const launcher = await run(
        [
          'npx',
          'tsx',
          '--tsconfig',
          'tsconfig.base.json',
          'apps/launcher/src/main.ts',
          '--target',
          'sagemaker',
          '--mode',
          'single',
          '--pretrained-weights',
          channel,
          '--poll-seconds',
          '0.05',
          '--job-name',
          JOB_NAME,
          '--register',
        ],
        recorder,
      );
      trainOutput = `${weights.output}\n${launcher.output}`;
      calls.train = [...recorder.calls];
      const singlePackage = /MODEL_PACKAGE=(\S+)/.exec(launcher.output)?.[1] ?? '';
      if (!singlePackage) throw new Error(`the launcher registered no package:\n${trainOutput}`);
      // The multi leg's package, registered directly (this seam trains one leg; the approval needs both).
      const sagemaker = new SageMakerClient(common);
      await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUPS.multi }));
      const multiPackage =
        (
          await sagemaker.send(
            new CreateModelPackageCommand({
              ModelPackageGroupName: GROUPS.multi,
              ModelApprovalStatus: 'PendingManualApproval',
              InferenceSpecification: {
                Containers: [
                  { Image: 'model-server:1', ModelDataUrl: `s3://${PHYSICAL.modelBucket}/${trainedKey}` },
                ],
                SupportedContentTypes: ['image/png'],
                SupportedResponseMIMETypes: ['application/json'],
              },
            }),
          )
        ).ModelPackageArn ?? '';
      /** One gate step as deploy.yml runs it: its output kept for failure messages, the AWS calls it made returned. */
      const gateStep = async (script: string, ...args: string[]) => {
        recorder.calls.length = 0;
        const step = await run(
          ['npx', 'tsx', '--tsconfig', 'tsconfig.base.json', `tools/gha/${script}`, ...args],
          recorder,
        );
        gateOutput.push(step.output);
        return [...recorder.calls];
      };

      // replay: the candidate, the serving model, held-out images and a data capture, as replay-inputs.ts fetches them.
      const servingKey = `${S3_PREFIXES.trainingOutput}single/${spec.project.name}-single-4241-1/output/model.tar.gz`;
      await s3.send(new PutObjectCommand({ Bucket: PHYSICAL.modelBucket, Key: servingKey, Body: tarball }));
      await ssm.send(
        new PutParameterCommand({
          Name: names.deployedModelSingle,
          Value: `s3://${PHYSICAL.modelBucket}/${servingKey}`,
          Type: 'String',
        }),
      );
      await s3.send(
        new PutObjectCommand({
          Bucket: PHYSICAL.dataBucket,
          Key: `${S3_PREFIXES.datasets}test/beagle/2.png`,
          Body: 'png',
        }),
      );
      const { name: endpoint, variantName } = spec.endpoints.single;
      await s3.send(
        new PutObjectCommand({
          Bucket: PHYSICAL.modelBucket,
          Key: `${S3_PREFIXES.dataCapture}${dataCaptureFolder(endpoint, variantName, new Date())}/00-seam.jsonl`,
          Body: '{}',
        }),
      );
      calls.replay = await gateStep(
        'replay-inputs.ts',
        '--mode',
        'single',
        '--package-single',
        singlePackage,
        '--package-multi',
        multiPackage,
        '--dir',
        join(tmp, 'replay-work'),
      );

      // approveModel: both packages to Approved.
      calls.approveModel = await gateStep(
        'approve-model.ts',
        '--package-single',
        singlePackage,
        '--package-multi',
        multiPackage,
        '--verdict-single',
        'single replay passed',
        '--verdict-multi',
        'multi replay passed',
      );

      // deploy-endpoints, first the gate: the newest Approved package of each group, this run's own.
      const approvedCalls = await gateStep(
        'approved-models.ts',
        '--expect-single',
        singlePackage,
        '--expect-multi',
        multiPackage,
      );

      // deploy-endpoints: what infra:deploy resolves before cdk runs (training skipped for multi: the last deploy's).
      recorder.calls.length = 0;
      const trained = /MODEL_ARTIFACT=(\S+)/.exec(launcher.output)?.[1] ?? '';
      if (!trained)
        throw new Error(
          `the launcher did not finish the train stage (exit ${launcher.status}):\n${trainOutput}`,
        );
      const lastMulti = `s3://${PHYSICAL.modelBucket}/${S3_PREFIXES.trainingOutput}multi/dogbreed-multi-0/output/model.tar.gz`;
      await s3.send(
        new PutObjectCommand({
          Bucket: PHYSICAL.modelBucket,
          Key: lastMulti.slice(`s3://${PHYSICAL.modelBucket}/`.length),
          Body: 'tar',
        }),
      );
      await ssm.send(
        new PutParameterCommand({ Name: names.deployedModelMulti, Value: lastMulti, Type: 'String' }),
      );
      const viaRecorder = {
        region: REGION,
        endpoint: recorder.endpoint,
        credentials: { accessKeyId: 'AKIASEAMTEST00000000', secretAccessKey: 'testing' },
      };
      await resolveServingModels(
        { ssm: new SSMClient(viaRecorder), s3: new S3Client({ ...viaRecorder, forcePathStyle: true }) },
        { spec, given: { single: trained } },
      );
      calls.deployEndpoints = [...approvedCalls, ...recorder.calls];

      // loadTest: the verifier reading what happened (its checks fail on an empty moto; the calls are what matter).
      recorder.calls.length = 0;
      await run(
        [
          'npx',
          'tsx',
          '--tsconfig',
          'apps/loadtest/tsconfig.json',
          'apps/loadtest/src/cli/verify.ts',
          '--mode',
          'aws',
          '--since',
          new Date(Date.now() - 3_600_000).toISOString(),
          '--out',
          join(tmp, 'loadtest'),
        ],
        recorder,
        {
          FUNCTION_URL: `${recorder.endpoint}/`,
        },
      );
      calls.loadTest = [...recorder.calls];
    }, 600_000);

    afterAll(async () => {
      await recorder?.stop();
      await moto?.stop();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('the train stage ran: weights uploaded, source uploaded, training job created and followed', () => {
      const ops = calls.train.map((c) => `${c.service}:${c.operation}`);
      expect(ops, trainOutput).toContain('sagemaker:CreateTrainingJob');
      expect(ops).toContain('sagemaker:DescribeTrainingJob');
      expect(
        calls.train.filter((c) => c.operation === 'PutObject').map((c) => s3Parts(c).key.split('/')[0]),
      ).toEqual(
        expect.arrayContaining([
          S3_PREFIXES.pretrained.slice(0, -1),
          S3_PREFIXES.trainingSource.slice(0, -1),
        ]),
      );
      expect(trainOutput).toMatch(/MODEL_ARTIFACT=s3:\/\//);
    });

    it('the registry gate ran: registered, replay inputs fetched, approved, the approved packages read', () => {
      const ops = (stage: keyof typeof calls) => calls[stage].map((c) => `${c.service}:${c.operation}`);
      expect(ops('train'), trainOutput).toEqual(
        expect.arrayContaining(['sagemaker:CreateModelPackage', 's3:GetObject', 's3:PutObject']),
      );
      expect(ops('replay'), gateOutput.join('\n')).toEqual(
        expect.arrayContaining([
          'sagemaker:DescribeModelPackage',
          'ssm:GetParameter',
          's3:ListObjectsV2',
          's3:GetObject',
        ]),
      );
      // Every kind of input was read: both artifacts, the held-out image, the capture.
      const keys = calls.replay.filter((c) => c.operation === 'GetObject').map((c) => s3Parts(c).key);
      expect(keys.filter((k) => k.endsWith('model.tar.gz'))).toHaveLength(2);
      expect(keys.some((k) => k.startsWith(`${S3_PREFIXES.datasets}test/`))).toBe(true);
      expect(keys.some((k) => k.startsWith(S3_PREFIXES.dataCapture))).toBe(true);
      expect(
        ops('approveModel').filter((o) => o === 'sagemaker:UpdateModelPackage'),
        gateOutput.join('\n'),
      ).toHaveLength(2);
      expect(ops('deployEndpoints')).toEqual(
        expect.arrayContaining(['sagemaker:ListModelPackages', 'sagemaker:DescribeModelPackage']),
      );
    });

    it.each(['train', 'replay', 'approveModel', 'deployEndpoints', 'loadTest'] as const)(
      'every call of the %s stage is allowed to its role',
      async (stage) => {
        expect(calls[stage].length).toBeGreaterThan(0);
        const denied: string[] = [];
        for (const call of calls[stage]) {
          for (const req of iamRequests(call)) {
            const role = req.principalRole ? (req.principalRole.split('/').pop() ?? '') : roleOf(stage);
            const d = await decide(policies, role, req);
            if (d !== 'Allowed')
              denied.push(
                `${role}: ${req.action} on ${req.resource} ${JSON.stringify(req.context ?? {})} → ${d}`,
              );
          }
        }
        expect(denied).toEqual([]);
      },
    );

    it('removing one grant from a template makes a recorded call fail: the train role upload to training-source/', async () => {
      const put = calls.train.find(
        (c) => c.operation === 'PutObject' && s3Parts(c).key.startsWith(S3_PREFIXES.trainingSource),
      );
      if (!put) throw new Error('no source upload recorded');
      const [req] = iamRequests(put);
      if (!req) throw new Error('unmapped');
      expect(await decide(policies, roleOf('train'), req)).toBe('Allowed');
      const without = withoutBucketStatement(policies, PHYSICAL.modelBucket, 'CiTrainReadWriteOwnPrefixes');
      expect(await decide(without, roleOf('train'), req)).not.toBe('Allowed');
    });

    it('removing the SageMaker role read of the code channel makes the training job unable to fetch its source', async () => {
      const create = calls.train.find((c) => c.operation === 'CreateTrainingJob');
      if (!create) throw new Error('no CreateTrainingJob recorded');
      const code = iamRequests(create).find(
        (r) => r.action === 's3:GetObject' && r.resource.includes(`/${S3_PREFIXES.trainingSource}`),
      );
      if (!code) throw new Error('no code channel');
      const role = `${spec.project.name}-sagemaker-training`;
      expect(await decide(policies, role, code)).toBe('Allowed');
      const without = withoutRoleStatement(policies, role, (st) =>
        JSON.stringify(st).includes(`/${S3_PREFIXES.trainingSource}*`),
      );
      expect(await decide(without, role, code)).not.toBe('Allowed');
    });

    it('removing one grant makes a gate call fail: approveModel without ApproveModels cannot set a package Approved', async () => {
      const update = calls.approveModel.find((c) => c.operation === 'UpdateModelPackage');
      if (!update) throw new Error('no UpdateModelPackage recorded');
      const [req] = iamRequests(update);
      if (!req) throw new Error('unmapped');
      const role = roleOf('approveModel');
      expect(await decide(policies, role, req)).toBe('Allowed');
      expect(await decide(withoutRoleStatement(policies, role, 'ApproveModels'), role, req)).not.toBe(
        'Allowed',
      );
      // Nor may another stage's role approve: deploy-endpoints only reads the registry.
      expect(await decide(policies, roleOf('deployEndpoints'), req)).not.toBe('Allowed');
    });

    it("the shadow verdict's reads (deployEndpoints): both variants' captures under data-capture/<endpoint>/, decrypted through S3; nothing else", async () => {
      const role = roleOf('deployEndpoints');
      const at = new Date('2026-03-01T10:00:00Z');
      const reads: IamRequest[] = (['single', 'multi'] as const).flatMap((mode) => {
        const ep = spec.endpoints[mode];
        return [ep.variantName, shadowVariantName(ep.variantName)].flatMap((variant) => {
          const folder = `${S3_PREFIXES.dataCapture}${dataCaptureFolder(ep.name, variant, at)}/`;
          return [
            // ListObjectsV2 of one hour folder of the window (tools/gha/shadow.ts readVariantCaptures).
            {
              action: 's3:ListBucket',
              resource: `arn:aws:s3:::${PHYSICAL.modelBucket}`,
              context: { 's3:prefix': folder },
            },
            {
              action: 's3:GetObject',
              resource: s3Object(PHYSICAL.modelBucket, `${folder}10-00-00-abc.jsonl`),
            },
          ];
        });
      });
      reads.push({ action: 'kms:Decrypt', resource: PHYSICAL.keyArn, context: viaS3 });
      const denied: string[] = [];
      for (const req of reads) {
        const d = await decide(policies, role, req);
        if (d !== 'Allowed')
          denied.push(`${req.action} on ${req.resource} ${JSON.stringify(req.context ?? {})} → ${d}`);
      }
      expect(denied).toEqual([]);
      // Outside the endpoints' capture folders: the whole capture prefix, a folder of no endpoint, the training data;
      // and the key only through S3 (listing training-output/ is its artifact existence check, granted elsewhere).
      const outside: IamRequest[] = [
        {
          action: 's3:ListBucket',
          resource: `arn:aws:s3:::${PHYSICAL.modelBucket}`,
          context: { 's3:prefix': S3_PREFIXES.dataCapture },
        },
        {
          action: 's3:GetObject',
          resource: s3Object(
            PHYSICAL.modelBucket,
            `${S3_PREFIXES.dataCapture}some-other-endpoint/AllTraffic/x.jsonl`,
          ),
        },
        {
          action: 's3:ListBucket',
          resource: `arn:aws:s3:::${PHYSICAL.dataBucket}`,
          context: { 's3:prefix': S3_PREFIXES.datasets },
        },
        {
          action: 's3:GetObject',
          resource: s3Object(PHYSICAL.dataBucket, `${S3_PREFIXES.datasets}train/a/1.jpg`),
        },
        { action: 'kms:Decrypt', resource: PHYSICAL.keyArn },
      ];
      for (const req of outside)
        expect(
          await decide(policies, role, req),
          `${req.action} on ${req.resource} ${JSON.stringify(req.context ?? {})}`,
        ).not.toBe('Allowed');
      // The bucket policy's statement is what grants the capture reads.
      const without = withoutBucketStatement(policies, PHYSICAL.modelBucket, 'CiDeployEndpointsReadCaptures');
      expect(await decide(without, role, reads[1] as IamRequest)).not.toBe('Allowed');
    });

    it('removing the replay role read of the held-out split from the data bucket policy denies the image download', async () => {
      const get = calls.replay.find(
        (c) => c.operation === 'GetObject' && s3Parts(c).key.startsWith(`${S3_PREFIXES.datasets}test/`),
      );
      if (!get) throw new Error('no held-out image read recorded');
      const [req] = iamRequests(get);
      if (!req) throw new Error('unmapped');
      expect(await decide(policies, roleOf('replay'), req)).toBe('Allowed');
      const without = withoutBucketStatement(policies, PHYSICAL.dataBucket, 'CiReplayReadHeldOut');
      expect(await decide(without, roleOf('replay'), req)).not.toBe('Allowed');
    });

    it('the single-mode training job encrypts its volume with the project key, and the train role may create that grant (only for an AWS resource)', async () => {
      const create = calls.train.find((c) => c.operation === 'CreateTrainingJob');
      if (!create) throw new Error('no CreateTrainingJob recorded');
      const grant = iamRequests(create).find((r) => r.action === 'kms:CreateGrant');
      expect(grant?.resource, 'the launcher sets VolumeKmsKeyId for a CPU instance').toBe(PHYSICAL.keyArn);
      if (!grant) return;
      const role = roleOf('train');
      expect(await decide(policies, role, grant)).toBe('Allowed');
      // Not a grant for a principal of its choosing.
      expect(
        await decide(policies, role, { ...grant, context: { 'kms:GrantIsForAWSResource': 'false' } }),
      ).not.toBe('Allowed');
      const without = {
        ...policies,
        keyPolicy: {
          Statement: policies.keyPolicy.Statement.filter((st) => !picks('CiTrainTrainingVolumeGrant')(st)),
        },
      };
      expect(await decide(without, role, grant)).not.toBe('Allowed');
    });

    it('the train role no longer reads the model-server image URI (the serving stack writes it only after training)', async () => {
      const req = {
        action: 'ssm:GetParameter',
        resource: arn('ssm', `parameter${names.modelServerImageUri}`),
      };
      expect(await decide(policies, roleOf('train'), req)).not.toBe('Allowed');
      const reads = calls.train.filter(
        (c) => c.operation === 'GetParameter' && (c.body ?? '').includes(names.modelServerImageUri),
      );
      expect(reads, trainOutput).toEqual([]);
    });

    it("the validate role may make the training decision's registry reads and the pre-flight doctor's reads, read-only", async () => {
      const { qualifier, executionPolicyName } = spec.ci.bootstrap;
      const reads: IamRequest[] = [
        { action: 'sagemaker:ListModelPackages', resource: '*' },
        ...Object.values(GROUPS).map((g) => ({
          action: 'sagemaker:DescribeModelPackage',
          resource: arn('sagemaker', `model-package/${g}/3`),
        })),
        { action: 'ssm:GetParameter', resource: arn('ssm', `parameter/cdk-bootstrap/${qualifier}/version`) },
        {
          action: 'cloudformation:DescribeStacks',
          resource: arn('cloudformation', 'stack/CDKToolkit/abc-123'),
        },
        { action: 'iam:ListOpenIDConnectProviders', resource: '*' },
        {
          action: 'iam:GetOpenIDConnectProvider',
          resource: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
        },
        { action: 'servicequotas:ListServiceQuotas', resource: '*' },
        { action: 'servicequotas:GetServiceQuota', resource: arn('servicequotas', 'sagemaker/L-D4D2E0A4') },
        { action: 'servicequotas:GetServiceQuota', resource: arn('servicequotas', 'lambda/L-B99A9384') },
        { action: 'lambda:GetAccountSettings', resource: '*' },
        { action: 'iam:GetPolicy', resource: `arn:aws:iam::${ACCOUNT}:policy/${executionPolicyName}` },
        ...['', 'train/', 'valid/', 'test/'].map((split) => ({
          action: 's3:ListBucket',
          resource: `arn:aws:s3:::${PHYSICAL.dataBucket}`,
          context: { 's3:prefix': `${S3_PREFIXES.datasets}${split}` },
        })),
      ];
      const denied: string[] = [];
      for (const req of reads) {
        const d = await decide(policies, roleOf('validate'), req);
        if (d !== 'Allowed') denied.push(`${req.action} on ${req.resource} → ${d}`);
      }
      expect(denied).toEqual([]);
      // Read-only: no write of what it reads.
      const writes: IamRequest[] = [
        {
          action: 'sagemaker:UpdateModelPackage',
          resource: arn('sagemaker', `model-package/${GROUPS.single}/3`),
        },
        { action: 'ssm:PutParameter', resource: arn('ssm', `parameter/cdk-bootstrap/${qualifier}/version`) },
        {
          action: 'iam:CreatePolicyVersion',
          resource: `arn:aws:iam::${ACCOUNT}:policy/${executionPolicyName}`,
        },
        {
          action: 'servicequotas:RequestServiceQuotaIncrease',
          resource: arn('servicequotas', 'sagemaker/L-1'),
        },
        {
          action: 's3:GetObject',
          resource: s3Object(PHYSICAL.dataBucket, `${S3_PREFIXES.datasets}train/a/1.jpg`),
        },
        {
          action: 's3:ListBucket',
          resource: `arn:aws:s3:::${PHYSICAL.modelBucket}`,
          context: { 's3:prefix': S3_PREFIXES.trainingOutput },
        },
      ];
      for (const req of writes)
        expect(await decide(policies, roleOf('validate'), req), req.action).not.toBe('Allowed');
      // The bucket policy grants the datasets listing: without it the doctor cannot see the split folders.
      const without = withoutBucketStatement(policies, PHYSICAL.dataBucket, 'CiValidateListDatasets');
      expect(await decide(without, roleOf('validate'), reads[reads.length - 1] as IamRequest)).not.toBe(
        'Allowed',
      );
    });

    it('every existence check of the train stage is a listing of the exact key (S3 answers 403 to HeadObject without ListBucket)', () => {
      const heads = calls.train.filter((c) => c.operation === 'HeadObject');
      expect(
        heads.map((c) => s3Parts(c).key),
        trainOutput,
      ).toEqual([]);
    });

    it('each job asks for a session no longer than its role allows (deploy.yml, loadtest.yml → spec → CI template)', () => {
      const workflows = ['deploy.yml', 'loadtest.yml'].map((f) =>
        readFileSync(join(ROOT, '.github/workflows', f), 'utf8'),
      );
      for (const text of workflows) {
        const asked = [...text.matchAll(/role-duration-seconds: (.+?)(\s+#.*)?$/gm)].map((m) => m[1]);
        expect(asked.length).toBeGreaterThan(0);
        // Every job passes the spec's number through spec-outputs (a literal would drift from the role).
        expect(new Set(asked)).toEqual(new Set(['${{ steps.spec.outputs.session-seconds }}']));
      }
      for (const stage of Object.keys(spec.ci.roles) as CiStage[]) {
        const role = Object.values(templates.ci.Resources).find(
          (r) => r.Type === 'AWS::IAM::Role' && r.Properties?.['RoleName'] === roleOf(stage),
        );
        expect(role?.Properties?.['MaxSessionDuration'], stage).toBe(spec.ci.roles[stage].maxSessionSeconds);
      }
    });
  },
);
