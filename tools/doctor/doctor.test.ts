/**
 * The whole doctor against moto through the AWS call recorder: on an empty account every check fails (or, for the
 * dataset before deploy-infra, warns) with the right advice; on an account prepared through the real SDK as the
 * set-up leaves it (the bootstrap stack and its version parameter, both scoped execution policies, the CI stack and
 * the GitHub OIDC provider, the data bucket with its dataset) every check passes, and `npm run doctor` exits 0.
 *
 * moto implements neither Service Quotas' ListServiceQuotas / ListAWSDefaultServiceQuotas nor Lambda's
 * GetAccountSettings: the recorder answers those itself, in each service's wire protocol (JSON 1.1 with
 * X-Amz-Target `ServiceQuotasV20190624.<op>`; Lambda's REST-JSON `GET /2016-08-19/account-settings`) with the
 * documented response shapes, so the real SDK clients parse them; everything else goes on to moto. The recorded
 * calls prove that the doctor only reads, and that `DOCTOR_AWS_READS` lists every call it makes.
 */
import { spawn } from 'node:child_process';
import {
  CloudFormationClient,
  CreateStackCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { CreateOpenIDConnectProviderCommand, CreatePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { cfnExecutionPolicyNames, PLATFORM_SPEC, ssmParameterNames } from '@dogbreed/platform-spec';
import {
  motoAvailable,
  startAwsRecorder,
  startMoto,
  type AwsRecorder,
  type MotoServer,
  type RecordedCall,
  type RecorderReply,
} from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, destroyClients, DOCTOR_AWS_READS, type DoctorClients } from './aws.js';
import { requiredByAwsCdkLib } from './bootstrap-version.js';
import {
  bootstrapVersionParameter,
  DATASET_SPLITS,
  datasetSplitPrefix,
  exitCode,
  LAMBDA_CONCURRENCY_QUOTA_NAME,
  quotaNeeds,
  type CheckResult,
} from './checks.js';
import { runDoctor } from './main.js';

const spec = PLATFORM_SPEC;
const region = spec.project.region;
/** moto's account. */
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** The two scoped CloudFormation execution policies, in the order of `cfnExecutionPolicyNames`. */
const SCOPED_POLICIES = cfnExecutionPolicyNames(spec).map((n) => `arn:aws:iam::${ACCOUNT}:policy/${n}`);

/** What the emulated Service Quotas and Lambda account settings answer (the parts moto lacks). */
interface Limits {
  /** Applied quota values by service code (ListServiceQuotas lists only quotas with one). */
  applied: Record<string, { name: string; code: string; value: number }[]>;
  /** AWS defaults by service code (ListAWSDefaultServiceQuotas). */
  defaults: Record<string, { name: string; code: string; value: number }[]>;
  lambda: { limit: number; unreserved: number };
}

const limits: Limits = { applied: {}, defaults: {}, lambda: { limit: 10, unreserved: 10 } };

/** Quotas per page, small so the SDK's paginator must follow NextToken. */
const PAGE = 2;

function json(body: unknown, contentType = 'application/x-amz-json-1.1'): RecorderReply {
  return { status: 200, body: JSON.stringify(body), headers: { 'content-type': contentType } };
}

/** Service Quotas (JSON 1.1) and Lambda GetAccountSettings (REST-JSON), as documented; undefined = to moto. */
function emulateMissingApis(call: RecordedCall): RecorderReply | undefined {
  const target = call.headers['x-amz-target'] ?? '';
  if (target.startsWith('ServiceQuotasV20190624.')) {
    const { ServiceCode, NextToken } = JSON.parse(call.body || '{}') as {
      ServiceCode: string;
      NextToken?: string;
    };
    const table =
      call.operation === 'ListServiceQuotas'
        ? limits.applied
        : call.operation === 'ListAWSDefaultServiceQuotas'
          ? limits.defaults
          : undefined;
    if (!table)
      return {
        status: 400,
        body: JSON.stringify({ __type: 'UnknownOperationException', message: call.operation }),
        headers: { 'content-type': 'application/x-amz-json-1.1' },
      };
    const all = table[ServiceCode] ?? [];
    const start = Number(NextToken ?? 0);
    const page = all.slice(start, start + PAGE);
    return json({
      Quotas: page.map((q) => ({
        ServiceCode,
        ServiceName: ServiceCode,
        QuotaArn: `arn:aws:servicequotas:${region}:${ACCOUNT}:${ServiceCode}/${q.code}`,
        QuotaCode: q.code,
        QuotaName: q.name,
        Value: q.value,
        Unit: 'None',
        Adjustable: true,
        GlobalQuota: false,
      })),
      ...(start + PAGE < all.length ? { NextToken: String(start + PAGE) } : {}),
    });
  }
  if (call.service === 'lambda' && call.method === 'GET' && call.path === '/2016-08-19/account-settings')
    return json(
      {
        AccountLimit: {
          TotalCodeSize: 80530636800,
          CodeSizeUnzipped: 262144000,
          CodeSizeZipped: 52428800,
          ConcurrentExecutions: limits.lambda.limit,
          UnreservedConcurrentExecutions: limits.lambda.unreserved,
        },
        AccountUsage: { TotalCodeSize: 0, FunctionCount: 0 },
      },
      'application/json',
    );
  return undefined;
}

/** The IAM action of a recorded call (the recorder names Lambda's REST paths and S3 listings otherwise). */
function iamAction(call: RecordedCall): string {
  if (call.service === 's3' && call.operation === 'ListObjectsV2') return 's3:ListBucket';
  if (call.service === 'lambda') {
    if (call.path === '/2016-08-19/account-settings') return 'lambda:GetAccountSettings';
    if (/^\/\d{4}-\d{2}-\d{2}\/functions\/[^/]+\/concurrency$/.test(call.path) && call.method === 'GET')
      return 'lambda:GetFunctionConcurrency';
  }
  return `${call.service}:${call.operation}`;
}

const byId = (results: CheckResult[], id: string) => {
  const r = results.find((x) => x.id === id);
  if (!r) throw new Error(`no result ${id} in ${results.map((x) => x.id).join(', ')}`);
  return r;
};

describe.skipIf(!motoAvailable())(
  'doctor against moto (Service Quotas and Lambda account settings emulated)',
  () => {
    let moto: MotoServer;
    let recorder: AwsRecorder;
    let clients: DoctorClients;
    const doctor = () => runDoctor({ spec, region, clients, requiredBootstrapVersion: requiredByAwsCdkLib });

    beforeAll(async () => {
      moto = await startMoto();
      recorder = await startAwsRecorder({ upstream: moto.endpoint, respond: emulateMissingApis });
      clients = createClients({ region, endpoint: recorder.endpoint, credentials });
    });

    afterAll(async () => {
      if (clients) destroyClients(clients);
      await recorder?.stop();
      await moto?.stop();
    });

    it('an empty account: every check fails with what to do (the dataset waits for deploy-infra)', async () => {
      // A new account: Lambda's limit of 10; SageMaker's default quotas below what the spec needs.
      limits.applied = {};
      limits.defaults = {
        sagemaker: quotaNeeds(spec).map((n, i) => ({ name: n.quotaName, code: `L-SM00000${i}`, value: 0 })),
        lambda: [{ name: LAMBDA_CONCURRENCY_QUOTA_NAME, code: 'L-B99A9384', value: 10 }],
      };
      limits.lambda = { limit: 10, unreserved: 10 };
      const results = await doctor();

      expect(byId(results, 'credentials')).toMatchObject({
        status: 'ok',
        message: expect.stringContaining(ACCOUNT),
      });
      const bootstrap = `npx cdk bootstrap aws://${ACCOUNT}/${region} --qualifier ${spec.ci.bootstrap.qualifier} --cloudformation-execution-policies "${SCOPED_POLICIES.join(',')}"`;
      // Neither policy exists yet: the boundary stack (which creates them) first, then the bootstrap, then the CI stack.
      const inOrder = new RegExp(
        `deploy ${spec.project.name}-boundary .*; then bootstrap: .*; then deploy ${spec.project.name}-ci: `,
      );
      for (const id of ['cdk-bootstrap', 'cdk-execution-policy']) {
        expect(byId(results, id)).toMatchObject({ status: 'fail', fix: expect.stringContaining(bootstrap) });
        expect(byId(results, id).fix).toMatch(inOrder);
      }
      expect(byId(results, 'github-oidc-provider')).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining(`${spec.project.name}-ci`),
      });
      for (const [i, need] of quotaNeeds(spec).entries())
        expect(byId(results, `quota: ${need.quotaName}`)).toMatchObject({
          status: 'fail',
          fix: expect.stringContaining(`--quota-code L-SM00000${i} --desired-value ${need.needed}`),
        });
      expect(byId(results, 'quota: lambda unreserved concurrency')).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('--service-code lambda --quota-code L-B99A9384'),
      });
      expect(byId(results, 'dataset')).toMatchObject({
        status: 'warn',
        fix: expect.stringContaining('after deploy-infra, upload the dataset with'),
      });
      expect(byId(results, 'github')).toMatchObject({
        status: 'skip',
        message: expect.stringContaining('GITHUB_TOKEN'),
      });
      expect(exitCode(results)).toBe(1);
    });

    it('a prepared account passes; a missing split fails; the doctor only reads, with the calls it lists', async () => {
      // Seeded straight into moto, so the recorder holds only the doctor's own calls.
      const seed = { region, endpoint: moto.endpoint, credentials };
      const cfn = new CloudFormationClient(seed);
      const iam = new IAMClient(seed);
      const ssm = new SSMClient(seed);
      const s3 = new S3Client({ ...seed, forcePathStyle: true });
      try {
        // The boundary stack's two policies, then what `cdk bootstrap --cloudformation-execution-policies
        // "<scoped>,<scoped-2>"` leaves: the CDKToolkit stack with that parameter, and the version parameter it creates.
        for (const name of cfnExecutionPolicyNames(spec))
          await iam.send(
            new CreatePolicyCommand({
              PolicyName: name,
              PolicyDocument: JSON.stringify({
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 'cloudformation:*', Resource: '*' }],
              }),
            }),
          );
        await cfn.send(
          new CreateStackCommand({
            StackName: 'CDKToolkit',
            TemplateBody: JSON.stringify({
              Parameters: {
                // CDK's template declares a CommaDelimitedList, whose value DescribeStacks returns as given
                // ("arn1,arn2"); moto renders a list parameter as a Python list, so the stand-in takes a String
                // holding what AWS returns.
                CloudFormationExecutionPolicies: { Type: 'String', Default: '' },
                Qualifier: { Type: 'String' },
              },
              Resources: {
                CdkBootstrapVersion: {
                  Type: 'AWS::SSM::Parameter',
                  Properties: {
                    Type: 'String',
                    Name: { 'Fn::Sub': '/cdk-bootstrap/${Qualifier}/version' },
                    Value: '30',
                  },
                },
              },
            }),
            Parameters: [
              // The second first: the check takes the set in any order.
              {
                ParameterKey: 'CloudFormationExecutionPolicies',
                ParameterValue: [...SCOPED_POLICIES].reverse().join(','),
              },
              { ParameterKey: 'Qualifier', ParameterValue: spec.ci.bootstrap.qualifier },
            ],
          }),
        );
        await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 60 }, { StackName: 'CDKToolkit' });
        // The CI stack and the provider it creates.
        await cfn.send(
          new CreateStackCommand({
            StackName: `${spec.project.name}-ci`,
            TemplateBody: JSON.stringify({
              Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
            }),
          }),
        );
        await iam.send(
          new CreateOpenIDConnectProviderCommand({
            Url: 'https://token.actions.githubusercontent.com',
            ClientIDList: ['sts.amazonaws.com'],
            ThumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
          }),
        );
        // deploy-infra's data bucket and its parameter, and the first split of the dataset.
        const bucket = `${spec.project.name}-data-${ACCOUNT}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await ssm.send(
          new PutParameterCommand({
            Name: ssmParameterNames(spec).dataBucket,
            Value: bucket,
            Type: 'String',
          }),
        );
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `${datasetSplitPrefix('train')}beagle/1.jpg`,
            Body: 'jpg',
          }),
        );
        // Quotas raised (applied values; the defaults stay 0), Lambda's limit at the usual 1000.
        limits.applied = {
          sagemaker: quotaNeeds(spec).map((n, i) => ({
            name: n.quotaName,
            code: `L-SM00000${i}`,
            value: n.needed,
          })),
          lambda: [{ name: LAMBDA_CONCURRENCY_QUOTA_NAME, code: 'L-B99A9384', value: 1000 }],
        };
        limits.lambda = { limit: 1000, unreserved: 1000 };

        const partial = await doctor();
        expect(byId(partial, 'cdk-bootstrap').message).toContain('version 30');
        expect(byId(partial, 'dataset')).toMatchObject({
          status: 'fail',
          message: expect.stringContaining(`${datasetSplitPrefix('valid')}, ${datasetSplitPrefix('test')}`),
          fix: expect.stringContaining('upload-dataset --dir DIR'),
        });

        for (const split of DATASET_SPLITS.slice(1))
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `${datasetSplitPrefix(split)}beagle/1.jpg`,
              Body: 'jpg',
            }),
          );
        const results = await doctor();
        expect(results.filter((r) => r.status !== 'ok' && r.status !== 'skip')).toEqual([]);
        expect(byId(results, 'cdk-execution-policy')).toMatchObject({
          status: 'ok',
          message: expect.stringContaining(SCOPED_POLICIES.join(' and ')),
        });
        expect(exitCode(results)).toBe(0);

        // Over this file's runs (the empty account's included: only it needs the default quotas): only reads, each
        // one listed for the validate role, and the list has nothing the doctor does not call.
        const actions = new Set(recorder.calls.map(iamAction));
        expect([...actions].filter((a) => !(DOCTOR_AWS_READS as readonly string[]).includes(a))).toEqual([]);
        expect([...actions].filter((a) => !/:(Get|List|Describe)/.test(a))).toEqual([]);
        expect(DOCTOR_AWS_READS.filter((a) => !actions.has(a))).toEqual([]);
        expect(recorder.calls.some((c) => c.operation === 'HeadObject')).toBe(false);
        const parameters = recorder.calls
          .filter((c) => c.operation === 'GetParameter')
          .map((c) => (JSON.parse(c.body) as { Name: string }).Name);
        expect([...new Set(parameters)].sort()).toEqual(
          [bootstrapVersionParameter(spec), ssmParameterNames(spec).dataBucket].sort(),
        );
        // iam:GetPolicy of each scoped policy: both must exist for the bootstrap to name them.
        const policies = recorder.calls
          .filter((c) => c.operation === 'GetPolicy')
          .map((c) => new URLSearchParams(c.body).get('PolicyArn'));
        expect([...new Set(policies)].sort()).toEqual([...SCOPED_POLICIES].sort());
      } finally {
        for (const c of [cfn, iam, ssm, s3]) c.destroy();
      }
    });

    it('`npm run doctor -- --json` with AWS_ENDPOINT_URL: the prepared account, exit 0, the GitHub line skipped', async () => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        AWS_ENDPOINT_URL: recorder.endpoint,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_REGION: region,
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      // Asynchronous: the recorder answering the child runs in this process.
      const { code, stdout, stderr } = await new Promise<{
        code: number | null;
        stdout: string;
        stderr: string;
      }>((resolve, reject) => {
        const child = spawn('npm', ['run', '--silent', 'doctor', '--', '--json'], {
          cwd: workspaceRoot(),
          env,
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('error', reject);
        child.once('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
      });
      // The SDK's own warnings (Node versions) may come; the doctor's errors start with `doctor:`.
      expect(stderr).not.toContain('doctor:');
      const report = JSON.parse(stdout) as {
        region: string;
        checks: CheckResult[];
        summary: { fail: number };
      };
      expect(report.region).toBe(region);
      expect(report.summary.fail).toBe(0);
      expect(byId(report.checks, 'github').status).toBe('skip');
      expect(code).toBe(0);
    });
  },
);
