import {
  App,
  DefaultStackSynthesizer,
  LegacyStackSynthesizer,
  Tags,
  Validations,
  type Environment,
} from 'aws-cdk-lib';
import {
  MODEL_DATA_CONTEXT,
  ModelArtifactUriError,
  parseModelArtifactUri,
  SHADOW_MODEL_DATA_CONTEXT,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { ProjectNagChecks } from './nag.js';
import { AccessStack, applyPermissionsBoundary, PermissionsBoundaryStack } from './access/index.js';
import { InfraPropsError } from './errors.js';
import { CfnExecutionPolicy, cfnResourceTypes } from './iam/cfn-execution-policy.js';
import {
  CiStack,
  DataStack,
  NetworkStack,
  ServingStack,
  TrainingStack,
  type ModelKeys,
} from './stacks/stacks.js';

/** What the app is built from, outside the spec; `apps/infra` finds these in the repository. */
export interface InfraInputs {
  /** The invoker bundle folder (holds index.mjs). */
  readonly invokerBundleDir: string;
  /**
   * The model-server image: Docker build context, Dockerfile relative to it, and what the context leaves out (Docker
   * ignore syntax, e.g. an allow-list `*`, `!package.json`, ...), so unrelated files never change the image hash.
   */
  readonly modelServerImage: {
    readonly directory: string;
    readonly file: string;
    readonly exclude: readonly string[];
  };
}

export interface InfraStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly training: TrainingStack;
  readonly serving: ServingStack;
  readonly ci: CiStack;
  /** People roles (operator, viewer, client) and the development notebook. */
  readonly access: AccessStack;
  /**
   * The permissions boundary every role of every stack carries, and the scoped CloudFormation execution policy of the
   * CDK bootstrap (`executionPolicy`); deployed before all of them, before the bootstrap that names the policy.
   */
  readonly boundary: PermissionsBoundaryStack & { readonly executionPolicy: CfnExecutionPolicy };
}

/** The stacks CloudFormation deploys for the pipeline, through CDK's execution role (and so its execution policy). */
export const PIPELINE_STACKS = ['network', 'data', 'training', 'serving'] as const;

/**
 * The stacks an administrator deploys with their own credentials: the CDK CLI deploys them without CDK's bootstrap
 * roles, so CloudFormation acts as the administrator and the scoped execution policy (which may not touch the CI
 * roles, the boundary or the people roles) does not apply; the boundary stack needs no bootstrap at all, so it can
 * hold the execution policy before `cdk bootstrap` names it.
 */
export const ADMIN_STACKS = ['boundary', 'ci', 'access'] as const;

/** Stack names: `<project>-<part>`. */
export function stackName(spec: PlatformSpec, part: keyof InfraStacks): string {
  return `${spec.project.name}-${part}`;
}

/**
 * Composes every stack of the deployment on `app` from the spec, tags them with the spec's tags, and applies the
 * cdk-nag AwsSolutions checks. Account/region come from the spec (no account = environment-agnostic synth).
 */
export function composeInfra(
  app: App,
  spec: PlatformSpec,
  inputs: InfraInputs,
  options: { readonly modelKeys?: ModelKeys; readonly shadowModelKeys?: ModelKeys } = {},
): InfraStacks {
  // Log delivery to the access-log bucket through a bucket policy (no legacy ACL); must be set before any child.
  app.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  const env: Environment = { account: spec.project.account, region: spec.project.region };
  const common = { spec, env };
  // The CLI's credentials, no bootstrap roles, no bootstrap version rule or asset bucket (the stacks have no assets).
  const asAdministrator = { synthesizer: new LegacyStackSynthesizer() };
  // The pipeline's stacks: through the bootstrap of the spec's qualifier (its deploy role, execution role, assets).
  const throughPipeline = () => ({
    synthesizer: new DefaultStackSynthesizer({ qualifier: spec.ci.bootstrap.qualifier }),
  });
  // First: every role in the other stacks references this managed policy (applyPermissionsBoundary adds the dependency).
  const boundary = new PermissionsBoundaryStack(app, stackName(spec, 'boundary'), {
    ...common,
    ...asAdministrator,
    description:
      'dogbreed: the permissions boundary of every project role, the CloudFormation execution policy',
  });
  const network = new NetworkStack(app, stackName(spec, 'network'), {
    ...common,
    ...throughPipeline(),
    description: 'dogbreed: VPC, endpoints, security groups',
  });
  const data = new DataStack(app, stackName(spec, 'data'), {
    ...common,
    ...throughPipeline(),
    description: 'dogbreed: KMS key and S3 buckets',
  });
  const training = new TrainingStack(app, stackName(spec, 'training'), {
    ...common,
    ...throughPipeline(),
    description: 'dogbreed: training role, training images, EC2 trainer',
    network: network.network,
    stores: data.stores,
  });
  const serving = new ServingStack(app, stackName(spec, 'serving'), {
    ...common,
    ...throughPipeline(),
    description: 'dogbreed: model-server endpoints with autoscaling, invoker Lambda',
    network: network.network,
    stores: data.stores,
    invokerBundleDir: inputs.invokerBundleDir,
    modelServerImage: inputs.modelServerImage,
    modelKeys: options.modelKeys,
    shadowModelKeys: options.shadowModelKeys,
  });
  const ci = new CiStack(app, stackName(spec, 'ci'), {
    ...common,
    ...asAdministrator,
    description: 'dogbreed: GitHub OIDC provider and CI roles',
    existingProviderArn: oidcProviderArnFromContext(app),
  });
  const access = new AccessStack(app, stackName(spec, 'access'), {
    ...common,
    ...asAdministrator,
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
  // What CloudFormation may do for the pipeline: exactly the resource types of the pipeline stacks' templates.
  const executionPolicy = new CfnExecutionPolicy(boundary, 'CfnExecutionPolicy', {
    spec,
    resourceTypes: cfnResourceTypes([network, data, training, serving]),
  });
  for (const [k, v] of Object.entries(spec.project.tags)) Tags.of(app).add(k, v);
  // Every IAM role of every stack gets the project's permissions boundary (and a dependency on its stack).
  applyPermissionsBoundary(app, spec);
  return {
    network,
    data,
    training,
    serving,
    ci,
    access,
    boundary: Object.assign(boundary, { executionPolicy }),
  };
}

/** cdk-nag's AWS Solutions rules on every stack of the app: an unacknowledged finding fails the synth. */
export function applyNagChecks(app: App): void {
  Validations.of(app).addPlugins(new ProjectNagChecks(app));
}

// The context keys live in the spec library, where the pipeline's tools (scope:ci) read them too.
export { MODEL_DATA_CONTEXT, SHADOW_MODEL_DATA_CONTEXT };

/** CDK context key naming the account's existing GitHub OIDC provider (overrides spec `ci.existingOidcProviderArn`). */
export const OIDC_PROVIDER_CONTEXT = 'githubOidcProviderArn';

/**
 * The existing GitHub OIDC provider's ARN from `--context githubOidcProviderArn=arn:aws:iam::ACCOUNT:oidc-provider/...`
 * (for an account where it exists but the spec does not say so); undefined when not given. The CI stack validates it.
 */
export function oidcProviderArnFromContext(app: App): string | undefined {
  const value: unknown = app.node.tryGetContext(OIDC_PROVIDER_CONTEXT);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new InfraPropsError(`context ${OIDC_PROVIDER_CONTEXT} must be a string (got ${String(value)})`);
  return value;
}

/**
 * Model keys from the context (`--context modelDataUrlSingle=s3://bucket/jobs/x/output/model.tar.gz`): the key part
 * is used within the model bucket (the launcher writes its outputs there); anything but an s3 `.tar.gz` URI fails.
 */
export function modelKeysFromContext(app: App): ModelKeys {
  return keysFromContext(app, MODEL_DATA_CONTEXT);
}

/** Shadow candidates' keys from the context (`--context shadowModelDataUrlSingle=s3://...`), checked the same way. */
export function shadowModelKeysFromContext(app: App): ModelKeys {
  return keysFromContext(app, SHADOW_MODEL_DATA_CONTEXT);
}

function keysFromContext(app: App, names: Readonly<Record<'single' | 'multi', string>>): ModelKeys {
  const keys: { single?: string; multi?: string } = {};
  for (const mode of ['single', 'multi'] as const) {
    const value: unknown = app.node.tryGetContext(names[mode]);
    if (value === undefined || value === '') continue;
    try {
      keys[mode] = parseModelArtifactUri(String(value)).key;
    } catch (err) {
      if (!(err instanceof ModelArtifactUriError)) throw err;
      throw new InfraPropsError(
        `context ${names[mode]} must be an s3://MODEL_BUCKET/KEY.tar.gz URI (got ${String(value)})`,
        { cause: err },
      );
    }
  }
  return keys;
}
