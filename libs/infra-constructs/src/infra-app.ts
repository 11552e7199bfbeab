import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Tags, Validations, type Environment } from 'aws-cdk-lib';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import { ProjectNagChecks } from './nag.js';
import { AccessStack, applyPermissionsBoundary, PermissionsBoundaryStack } from './access/index.js';
import { MissingBuildOutputError, InfraPropsError } from './errors.js';
import { CiStack, DataStack, NetworkStack, ServingStack, TrainingStack, type ModelKeys } from './stacks/stacks.js';

/**
 * What the model-server Docker build does NOT need from the repository root (Docker ignore syntax). The build
 * context is the repository root, so everything heavy or unrelated is left out and cdk.out stays small.
 */
export const MODEL_SERVER_CONTEXT_EXCLUDES = [
  '.git',
  '.nx',
  '.venv',
  '.venv-tools',
  '.whl',
  '.gl',
  '.ci',
  '.local-stack',
  '**/node_modules',
  'node_modules',
  'dist/*',
  '!dist/apps/model-server',
  '**/cdk.out',
  'coverage',
  'tmp',
  'test-output',
  'training',
  'docs',
  'apps/infra',
  'apps/invoker',
  'apps/launcher',
  'apps/loadtest',
  'apps/local-stack',
  'libs/infra-constructs',
  '**/tests',
  '**/bench',
  '**/*.test.ts',
  '**/__pycache__',
] as const;

/** Build outputs and folders the app reads, relative to the repository root. */
export const INFRA_INPUTS = {
  invokerBundleDir: 'dist/apps/invoker',
  invokerBundleFile: 'index.mjs',
  modelServerDockerfile: 'apps/model-server/Dockerfile',
  trainingCodeDir: 'training',
} as const;

/** The repository root (the folder holding nx.json) above `fromUrl` (e.g. `import.meta.url`). */
export function findWorkspaceRoot(fromUrl: string): string {
  let dir = dirname(fileURLToPath(fromUrl));
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new MissingBuildOutputError(`no nx.json above ${fromUrl}: run the app from the repository`);
    dir = up;
  }
  return dir;
}

export interface InfraPaths {
  readonly invokerBundleDir: string;
  readonly modelServerContext: string;
  readonly modelServerDockerfile: string;
  readonly trainingCodeDir: string;
}

/** The inputs under `root`, each checked to exist; a missing one fails with the command that produces it. */
export function infraPaths(root: string): InfraPaths {
  const bundle = join(root, INFRA_INPUTS.invokerBundleDir);
  if (!existsSync(join(bundle, INFRA_INPUTS.invokerBundleFile))) {
    throw new MissingBuildOutputError(
      `The invoker bundle ${join(bundle, INFRA_INPUTS.invokerBundleFile)} is missing: build it first with \`npx nx run invoker:build\``,
    );
  }
  if (!existsSync(join(root, INFRA_INPUTS.modelServerDockerfile))) {
    throw new MissingBuildOutputError(`The model-server Dockerfile ${join(root, INFRA_INPUTS.modelServerDockerfile)} is missing (project model-server)`);
  }
  const training = join(root, INFRA_INPUTS.trainingCodeDir, 'train.py');
  if (!existsSync(training)) throw new MissingBuildOutputError(`The training entry point ${training} is missing (see training/CONTRACT.md)`);
  return {
    invokerBundleDir: bundle,
    modelServerContext: root,
    modelServerDockerfile: INFRA_INPUTS.modelServerDockerfile,
    trainingCodeDir: join(root, INFRA_INPUTS.trainingCodeDir),
  };
}

export interface InfraStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly training: TrainingStack;
  readonly serving: ServingStack;
  readonly ci: CiStack;
  /** People roles and the development notebook (issue 12, src/access). */
  readonly access: AccessStack;
  /** The permissions boundary every role of every stack carries; deployed before all of them. */
  readonly boundary: PermissionsBoundaryStack;
}

/** Stack names: `<project>-<part>`. */
export function stackName(spec: PlatformSpec, part: keyof InfraStacks): string {
  return `${spec.project.name}-${part}`;
}

/**
 * Composes every stack of the deployment on `app` from the spec, tags them with the spec's tags, and applies the
 * cdk-nag AwsSolutions checks. Account/region come from the spec (no account = environment-agnostic synth).
 */
export function composeInfra(app: App, spec: PlatformSpec, paths: InfraPaths, options: { readonly modelKeys?: ModelKeys } = {}): InfraStacks {
  // Log delivery to the access-log bucket through a bucket policy (no legacy ACL); must be set before any child.
  app.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  const env: Environment = { account: spec.project.account, region: spec.project.region };
  const common = { spec, env };
  // First: every role in the other stacks references this managed policy (applyPermissionsBoundary adds the dependency).
  const boundary = new PermissionsBoundaryStack(app, stackName(spec, 'boundary'), {
    ...common,
    description: 'dogbreed: the permissions boundary of every project role',
  });
  const network = new NetworkStack(app, stackName(spec, 'network'), { ...common, description: 'dogbreed: VPC, endpoints, security groups' });
  const data = new DataStack(app, stackName(spec, 'data'), { ...common, description: 'dogbreed: KMS key and S3 buckets' });
  const training = new TrainingStack(app, stackName(spec, 'training'), {
    ...common,
    description: 'dogbreed: training role, ECR repository, EC2 trainer',
    network: network.network,
    stores: data.stores,
  });
  const serving = new ServingStack(app, stackName(spec, 'serving'), {
    ...common,
    description: 'dogbreed: model-server endpoints with autoscaling, invoker Lambda',
    network: network.network,
    stores: data.stores,
    invokerBundleDir: paths.invokerBundleDir,
    modelServerImage: { directory: paths.modelServerContext, file: paths.modelServerDockerfile, exclude: MODEL_SERVER_CONTEXT_EXCLUDES },
    modelKeys: options.modelKeys,
  });
  const ci = new CiStack(app, stackName(spec, 'ci'), { ...common, description: 'dogbreed: GitHub OIDC provider and CI roles' });
  const access = new AccessStack(app, stackName(spec, 'access'), {
    ...common,
    description: 'dogbreed: people roles, development notebook',
    createPermissionsBoundary: false,
    vpc: network.network.vpc,
    subnets: network.network.privateSubnets,
    kmsKey: data.stores.key,
    dataBucket: data.stores.dataBucket,
    modelBucket: data.stores.modelBucket,
    endpointSecurityGroup: network.network.endpointSecurityGroup,
    // The function URL sits on the `live` alias: clients are granted on its qualified ARN.
    invokerFunctionArn: serving.invoker.alias.functionArn,
    endpointNames: [spec.endpoints.single.name, spec.endpoints.multi.name],
    trainingRoleArn: training.resources.executionRole.roleArn,
  });
  for (const [k, v] of Object.entries(spec.project.tags)) Tags.of(app).add(k, v);
  // Every IAM role of every stack gets the project's permissions boundary (and a dependency on its stack).
  applyPermissionsBoundary(app, spec);
  return { network, data, training, serving, ci, access, boundary };
}

/** cdk-nag's AWS Solutions rules on every stack of the app: an unacknowledged finding fails the synth. */
export function applyNagChecks(app: App): void {
  Validations.of(app).addPlugins(new ProjectNagChecks(app));
}

/** CDK context keys the deploy pipeline sets to the trained artifacts (`s3://MODEL_BUCKET/KEY.tar.gz`). */
export const MODEL_DATA_CONTEXT = { single: 'modelDataUrlSingle', multi: 'modelDataUrlMulti' } as const;

/**
 * Model keys from the context (`--context modelDataUrlSingle=s3://bucket/jobs/x/output/model.tar.gz`): the key part
 * is used within the model bucket (the launcher writes its outputs there); anything but an s3 `.tar.gz` URI fails.
 */
export function modelKeysFromContext(app: App): ModelKeys {
  const keys: { single?: string; multi?: string } = {};
  for (const mode of ['single', 'multi'] as const) {
    const value: unknown = app.node.tryGetContext(MODEL_DATA_CONTEXT[mode]);
    if (value === undefined || value === '') continue;
    const m = typeof value === 'string' ? /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(\S+\.tar\.gz)$/.exec(value) : null;
    if (!m?.[1]) {
      throw new InfraPropsError(`context ${MODEL_DATA_CONTEXT[mode]} must be an s3://MODEL_BUCKET/KEY.tar.gz URI (got ${String(value)})`);
    }
    keys[mode] = m[1];
  }
  return keys;
}
