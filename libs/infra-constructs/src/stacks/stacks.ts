import {
  Annotations,
  aws_ecr_assets as ecrAssets,
  aws_lambda as lambda,
  aws_sns as sns,
  IgnoreMode,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import {
  ssmParameterNames,
  trainingImageUriFor,
  trainingInstanceType,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { grantCiDataAccess } from '../ci/ci-data-access.js';
import { GithubOidc } from '../ci/github-oidc.js';
import { DataStores } from '../data/data-stores.js';
import { DEFAULT_INTERFACE_ENDPOINTS, Network, SESSION_MANAGER_ENDPOINTS } from '../network/network.js';
import { publishParameters } from '../parameters.js';
import { Invoker } from '../serving/invoker.js';
import { AlarmTopic } from '../serving/alarm-topic.js';
import { DriftAlarms } from '../serving/drift-alarms.js';
import { SageMakerEndpoint } from '../serving/sagemaker-endpoint.js';
import { Ec2Trainer } from '../training/ec2-trainer.js';
import { subnetIdList, TrainingResources } from '../training/training-resources.js';

export interface SpecStackProps extends StackProps {
  readonly spec: PlatformSpec;
}

/**
 * VPC, endpoints, security groups; publishes the training subnets and security group. The Session Manager endpoints
 * (ssm, ssmmessages, ec2messages: three interface endpoints in every AZ, billed by the hour) serve only the EC2
 * trainer's Run Command, so they exist only when the spec pins its AMI (`training.ec2AmiId`).
 */
export class NetworkStack extends Stack {
  public readonly network: Network;

  constructor(scope: Construct, id: string, props: SpecStackProps) {
    super(scope, id, props);
    this.network = new Network(this, 'Network', {
      interfaceEndpoints: [
        ...DEFAULT_INTERFACE_ENDPOINTS,
        ...(props.spec.training.ec2AmiId ? SESSION_MANAGER_ENDPOINTS : []),
      ],
    });
    const names = ssmParameterNames(props.spec);
    publishParameters(this, 'Parameters', {
      trainingSubnetIds: {
        name: names.trainingSubnetIds,
        value: subnetIdList(this.network.vpc, this.network.privateSubnets),
        description: 'Private isolated subnets for training jobs (comma-separated)',
      },
      trainingSecurityGroupId: {
        name: names.trainingSecurityGroupId,
        value: this.network.trainingSecurityGroup.securityGroupId,
        description: 'Security group of training jobs',
      },
    });
  }
}

/** KMS key and buckets; publishes their names and the key ARN. */
export class DataStack extends Stack {
  public readonly stores: DataStores;

  constructor(scope: Construct, id: string, props: SpecStackProps) {
    super(scope, id, props);
    this.stores = new DataStores(this, 'Stores', { namePrefix: props.spec.project.name });
    // The CI train / deploy-endpoints roles' bucket and key access (the CI stack cannot name these resources).
    grantCiDataAccess(this.stores, props.spec);
    const names = ssmParameterNames(props.spec);
    const s = this.stores;
    publishParameters(this, 'Parameters', {
      dataBucket: { name: names.dataBucket, value: s.dataBucket.bucketName, description: 'Datasets bucket' },
      modelBucket: {
        name: names.modelBucket,
        value: s.modelBucket.bucketName,
        description: 'Model artifacts bucket',
      },
      checkpointBucket: {
        name: names.checkpointBucket,
        value: s.checkpointBucket.bucketName,
        description: 'Checkpoints bucket',
      },
      kmsKeyArn: { name: names.kmsKeyArn, value: s.key.keyArn, description: 'Project KMS key' },
    });
  }
}

export interface TrainingStackProps extends SpecStackProps {
  readonly network: Network;
  readonly stores: DataStores;
}

/**
 * SageMaker training role, the EC2 trainer when the spec pins its AMI
 * (`training.ec2AmiId`); publishes role, image URIs, instance id.
 */
export class TrainingStack extends Stack {
  public readonly resources: TrainingResources;
  public readonly ec2Trainer?: Ec2Trainer;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const { spec, network, stores } = props;
    this.resources = new TrainingResources(this, 'Resources', {
      projectName: spec.project.name,
      key: stores.key,
      dataBucket: stores.dataBucket,
      modelBucket: stores.modelBucket,
      checkpointBucket: stores.checkpointBucket,
    });
    if (spec.training.ec2AmiId) {
      this.ec2Trainer = new Ec2Trainer(this, 'Ec2Trainer', {
        vpc: network.vpc,
        subnets: network.privateSubnets,
        securityGroup: network.trainingSecurityGroup,
        training: spec.training,
        dataBucket: stores.dataBucket,
        modelBucket: stores.modelBucket,
        key: stores.key,
      });
    } else {
      Annotations.of(this).addInfo(
        'No EC2 trainer: spec training.ec2AmiId pins none (the SageMaker path is unaffected).',
      );
    }
    const names = ssmParameterNames(spec);
    publishParameters(this, 'Parameters', {
      trainingRoleArn: {
        name: names.trainingRoleArn,
        value: this.resources.executionRole.roleArn,
        description: 'SageMaker training execution role',
      },
      // One image per mode: the single run is on a CPU type, the multi run on a GPU type (CPU and GPU containers).
      trainingImageUriSingle: {
        name: names.trainingImageUriSingle,
        value: trainingImageUriFor(spec, 'single'),
        description: `PyTorch training image of single mode (${trainingInstanceType(spec, 'single')})`,
      },
      trainingImageUriMulti: {
        name: names.trainingImageUriMulti,
        value: trainingImageUriFor(spec, 'multi'),
        description: `PyTorch training image of multi mode (${trainingInstanceType(spec, 'multi')})`,
      },
      ec2TrainingInstanceId: this.ec2Trainer && {
        name: names.ec2TrainingInstanceId,
        value: this.ec2Trainer.instance.instanceId,
        description: 'EC2 trainer instance',
      },
    });
  }
}

export interface ServingStackProps extends SpecStackProps {
  readonly network: Network;
  readonly stores: DataStores;
  /** The invoker bundle folder (holds index.mjs). */
  readonly invokerBundleDir: string;
  /** Docker build context of the model server (the repository root) and the Dockerfile relative to it. */
  readonly modelServerImage: {
    readonly directory: string;
    readonly file: string;
    readonly exclude: readonly string[];
  };
  /**
   * Model artifact keys in the model bucket per endpoint (the deploy pipeline passes freshly trained ones).
   * @default each endpoint's `modelArtifact.s3Key` from the spec
   */
  readonly modelKeys?: ModelKeys;
  /**
   * Candidate artifact keys per endpoint to run as shadow variants beside `modelKeys` (the pipeline's shadow phase,
   * `spec.rollout.shadow`); an endpoint without one serves its model alone.
   * @default - no shadow variant
   */
  readonly shadowModelKeys?: ModelKeys;
}

/** Model artifact keys overriding the spec's, per training mode. */
export interface ModelKeys {
  readonly single?: string;
  readonly multi?: string;
}

/**
 * The model-server image, both endpoints with autoscaling, alarms and their guarded rollout, the invoker; publishes
 * image URI and URL.
 */
export class ServingStack extends Stack {
  public readonly image: ecrAssets.DockerImageAsset;
  public readonly alarmTopic: sns.Topic;
  public readonly single: SageMakerEndpoint;
  public readonly multi: SageMakerEndpoint;
  public readonly invoker: Invoker;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    const { spec, network, stores } = props;
    this.image = new ecrAssets.DockerImageAsset(this, 'ModelServerImage', {
      directory: props.modelServerImage.directory,
      file: props.modelServerImage.file,
      exclude: [...props.modelServerImage.exclude],
      ignoreMode: IgnoreMode.DOCKER,
      platform: ecrAssets.Platform.LINUX_AMD64,
    });
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      topicName: `${spec.project.name}-alarms`,
      emails: spec.alarms.emails,
    }).topic;
    new DriftAlarms(this, 'DriftAlarms', {
      drift: spec.rollout.drift,
      projectName: spec.project.name,
      endpointNames: [spec.endpoints.single.name, spec.endpoints.multi.name],
      alarmTopic: this.alarmTopic,
    });
    // The invoker publishes here (the construct sets it in the function's environment); the endpoints' third
    // rollback alarm reads its error rate from here.
    const invokerMetrics = { namespace: spec.project.name, serviceName: spec.invoker.functionName };
    const endpoint = (id: string, which: 'single' | 'multi') =>
      new SageMakerEndpoint(this, id, {
        endpoint: spec.endpoints[which],
        autoscaling: spec.autoscaling,
        dataCapture: spec.rollout.dataCapture,
        invokerMetrics,
        modelServer: spec.modelServer,
        image: this.image,
        modelBucket: stores.modelBucket,
        modelKey: props.modelKeys?.[which],
        shadowModelKey: props.shadowModelKeys?.[which],
        shadowSamplingPercent: spec.rollout.shadow.samplingPercent,
        key: stores.key,
        vpc: network.vpc,
        subnets: network.privateSubnets,
        securityGroup: network.modelSecurityGroup,
        alarmTopic: this.alarmTopic,
      });
    this.single = endpoint('Single', 'single');
    this.multi = endpoint('Multi', 'multi');
    this.invoker = new Invoker(this, 'Invoker', {
      invoker: spec.invoker,
      code: lambda.Code.fromAsset(props.invokerBundleDir),
      endpoints: { single: this.single, multi: this.multi },
      vpc: network.vpc,
      subnets: network.privateSubnets,
      securityGroup: network.invokerSecurityGroup,
      inputBucket: stores.dataBucket,
      inputKey: stores.key,
      metricSource: invokerMetrics,
    });
    const names = ssmParameterNames(spec);
    publishParameters(this, 'Parameters', {
      modelServerImageUri: {
        name: names.modelServerImageUri,
        value: this.image.imageUri,
        description: 'Model-server image the endpoints run',
      },
      invokerFunctionUrl: {
        name: names.invokerFunctionUrl,
        value: this.invoker.functionUrl.url,
        description: 'Invoker function URL (AWS_IAM)',
      },
      invokerFunctionName: {
        name: names.invokerFunctionName,
        value: this.invoker.function.functionName,
        description: 'Invoker function name',
      },
      // What each endpoint serves, recorded by the deploy itself (rolled back with it): a later deploy without new
      // training reuses exactly these (apps/infra/scripts/serving-artifacts.ts).
      deployedModelSingle: {
        name: names.deployedModelSingle,
        value: stores.modelBucket.s3UrlForObject(
          props.modelKeys?.single ?? spec.endpoints.single.modelArtifact.s3Key,
        ),
        description: 'Model artifact the single-instance endpoint serves',
      },
      deployedModelMulti: {
        name: names.deployedModelMulti,
        value: stores.modelBucket.s3UrlForObject(
          props.modelKeys?.multi ?? spec.endpoints.multi.modelArtifact.s3Key,
        ),
        description: 'Model artifact the multi-instance endpoint serves',
      },
    });
  }

  /** ARNs of the two endpoints, in the spec's order (single, multi). */
  public get endpointArns(): string[] {
    return [this.single.endpointArn, this.multi.endpointArn];
  }
}

/** The GitHub OIDC provider and the CI roles; depends on no other stack, deployed first. */
export class CiStack extends Stack {
  public readonly oidc: GithubOidc;

  constructor(
    scope: Construct,
    id: string,
    props: SpecStackProps & { readonly existingProviderArn?: string },
  ) {
    super(scope, id, props);
    this.oidc = new GithubOidc(this, 'GithubOidc', {
      spec: props.spec,
      existingProviderArn: props.existingProviderArn,
    });
  }
}
