/**
 * Templates in an emulator: every stack of the synthesized app is created through the real CloudFormation API
 * (`@aws-sdk/client-cloudformation`) in moto's server, in dependency order, each until CREATE_COMPLETE. The only
 * changes to the templates are the moto-only transforms in `libs/testing/src/moto-transforms.ts`; the account first gets what
 * `cdk bootstrap` would leave (version parameter, asset bucket with the app's file assets).
 *
 * moto is installed by tools/setup.sh: locally the suite skips without it; in CI (`CI` set) it fails instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListExportsCommand,
  type Capability,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'aws-cdk-lib';
import { AssetManifestArtifact, CloudFormationStackArtifact, type CloudAssembly } from 'aws-cdk-lib/cx-api';
import { composeInfra } from '@dogbreed/infra-constructs';
import {
  PLATFORM_SPEC,
  ssmParameterNames,
  trainingImageUriFor,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { motoAvailable, specWith, startMoto, type MotoServer } from '@dogbreed/testing';
import { toolPaths, workspaceRoot } from '@dogbreed/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraInputs } from '../../src/inputs.js';
import { BOOTSTRAP, MOTO_TRANSFORMS, type TemplateJson } from '@dogbreed/testing';

const ACCOUNT = '123456789012'; // moto's default account
const REGION = PLATFORM_SPEC.project.region;
const CAPABILITIES: Capability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];
/** moto creates synchronously; the bound only keeps a regression from hanging the suite. */
const CREATE_DEADLINE_MS = 60_000;

// The defaults with every optional part switched on, so every construct of the app is created at least once.
const spec: PlatformSpec = specWith({
  training: { ec2AmiId: 'ami-0123456789abcdef0' },
  alarms: { emails: ['oncall@example.com'] },
  access: {
    operators: [`arn:aws:iam::${ACCOUNT}:user/alice`],
    viewers: [`arn:aws:iam::${ACCOUNT}:user/bob`],
    clients: [`arn:aws:iam::${ACCOUNT}:role/client`],
  },
});

const skipLocally = !motoAvailable() && !process.env['CI'];

/** Stacks of the assembly, each after the stacks it depends on. */
function inDependencyOrder(assembly: CloudAssembly): CloudFormationStackArtifact[] {
  const stacks = assembly.stacks;
  const done = new Set<string>();
  const order: CloudFormationStackArtifact[] = [];
  while (order.length < stacks.length) {
    const ready = stacks.filter(
      (s) =>
        !done.has(s.id) &&
        s.dependencies.filter((d) => d instanceof CloudFormationStackArtifact).every((d) => done.has(d.id)),
    );
    if (ready.length === 0) throw new Error('cyclic stack dependencies');
    for (const s of ready) {
      done.add(s.id);
      order.push(s);
    }
  }
  return order;
}

/** Uploads every file asset to the bootstrap bucket, zipped where the manifest says so (Python's zipfile). */
async function publishFileAssets(assembly: CloudAssembly, s3: S3Client): Promise<number> {
  const python = join(dirname(toolPaths.motoServer()), 'python');
  let count = 0;
  for (const artifact of assembly.artifacts.filter(
    (a): a is AssetManifestArtifact => a instanceof AssetManifestArtifact,
  )) {
    const manifest = JSON.parse(readFileSync(artifact.file, 'utf8')) as {
      files?: Record<
        string,
        {
          source: { path: string; packaging?: string };
          destinations: Record<string, { bucketName: string; objectKey: string }>;
        }
      >;
    };
    for (const asset of Object.values(manifest.files ?? {})) {
      const source = join(assembly.directory, asset.source.path);
      let body: Buffer;
      if (asset.source.packaging === 'zip') {
        const zip = join(mkdtempSync(join(tmpdir(), 'moto-asset-')), 'asset');
        const r = spawnSync(
          python,
          ['-c', 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2])', zip, source],
          { encoding: 'utf8' },
        );
        if (r.status !== 0) throw new Error(`zipping ${source} failed: ${r.stderr}`);
        body = readFileSync(`${zip}.zip`);
        rmSync(dirname(zip), { recursive: true, force: true });
      } else {
        body = readFileSync(source);
      }
      for (const d of Object.values(asset.destinations)) {
        const bucket = d.bucketName.replace('${AWS::AccountId}', ACCOUNT).replace('${AWS::Region}', REGION);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: d.objectKey, Body: body }));
        count += 1;
      }
    }
  }
  return count;
}

describe.skipIf(skipLocally)(
  'every synthesized stack reaches CREATE_COMPLETE in moto CloudFormation (skipped locally without moto: run tools/setup.sh)',
  () => {
    let moto: MotoServer | undefined;
    let outdir = '';
    let assembly: CloudAssembly;
    let cfn: CloudFormationClient;
    const applied: Record<string, number> = {};

    beforeAll(async () => {
      if (!motoAvailable())
        throw new Error(
          `moto_server is missing at ${toolPaths.motoServer()}: CI must run tools/setup.sh first`,
        );
      outdir = mkdtempSync(join(tmpdir(), 'moto-cfn-synth-'));
      const app = new App({ outdir });
      composeInfra(app, spec, infraInputs(workspaceRoot()));
      assembly = app.synth();
      moto = await startMoto();
      const aws = {
        endpoint: moto.endpoint,
        region: REGION,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      };
      cfn = new CloudFormationClient(aws);
      const s3 = new S3Client({ ...aws, forcePathStyle: true });
      const ssm = new SSMClient(aws);
      // What `cdk bootstrap` leaves behind.
      await ssm.send(
        new PutParameterCommand({
          Name: BOOTSTRAP.versionParameter,
          Value: BOOTSTRAP.version,
          Type: 'String',
        }),
      );
      await s3.send(new CreateBucketCommand({ Bucket: BOOTSTRAP.assetBucket(ACCOUNT, REGION) }));
      expect(await publishFileAssets(assembly, s3)).toBeGreaterThan(0);
    });

    afterAll(async () => {
      await moto?.stop();
      if (outdir) rmSync(outdir, { recursive: true, force: true });
    });

    it('creates each stack, in dependency order, through the CloudFormation API', async () => {
      const order = inDependencyOrder(assembly);
      expect(order.map((s) => s.stackName)).toEqual(
        expect.arrayContaining(
          ['boundary', 'network', 'data', 'training', 'serving', 'ci', 'access'].map(
            (p) => `${spec.project.name}-${p}`,
          ),
        ),
      );
      for (const stack of order) {
        const template = structuredClone(stack.template) as TemplateJson;
        for (const t of MOTO_TRANSFORMS) applied[t.name] = (applied[t.name] ?? 0) + t.apply(template);
        await cfn.send(
          new CreateStackCommand({
            StackName: stack.stackName,
            TemplateBody: JSON.stringify(template),
            Capabilities: CAPABILITIES,
          }),
        );
        const deadline = Date.now() + CREATE_DEADLINE_MS;
        let status = '';
        for (;;) {
          const out = await cfn.send(new DescribeStacksCommand({ StackName: stack.stackName }));
          status = out.Stacks?.[0]?.StackStatus ?? '';
          if (!status.endsWith('_IN_PROGRESS') || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 200)); // poll interval, bounded by the deadline above
        }
        if (status !== 'CREATE_COMPLETE') {
          const events = await cfn.send(new DescribeStackEventsCommand({ StackName: stack.stackName }));
          const reasons = (events.StackEvents ?? [])
            .filter((e) => e.ResourceStatusReason)
            .map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}: ${e.ResourceStatusReason}`);
          throw new Error(`${stack.stackName}: ${status}\n${reasons.join('\n')}`);
        }
      }
      // Cross-stack references resolved through real exports.
      const exports = await cfn.send(new ListExportsCommand({}));
      expect((exports.Exports ?? []).length).toBeGreaterThan(0);
    });

    it('the created account answers as the launcher expects: per-mode images in SSM, the trainer on the pinned AMI', async () => {
      const aws = {
        endpoint: moto?.endpoint ?? '',
        region: REGION,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      };
      const ssm = new SSMClient(aws);
      const names = ssmParameterNames(spec);
      const value = async (name: string) =>
        (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value ?? '';
      expect(await value(names.trainingImageUriMulti)).toBe(trainingImageUriFor(spec, 'multi'));
      expect(await value(names.trainingImageUriMulti)).toMatch(/-gpu-/);
      expect(await value(names.trainingImageUriSingle)).toMatch(/-cpu-/);
      const instanceId = await value(names.ec2TrainingInstanceId);
      const ec2 = new EC2Client(aws);
      const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      expect(described.Reservations?.[0]?.Instances?.[0]?.ImageId).toBe(spec.training.ec2AmiId);
    });

    it('each moto-only transform is still needed (it changed something)', () => {
      for (const t of MOTO_TRANSFORMS) expect(applied[t.name], `${t.name}: ${t.why}`).toBeGreaterThan(0);
    });
  },
);
