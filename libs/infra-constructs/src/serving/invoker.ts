/**
 * The invoker Lambda construct, and the metrics it publishes as the serving stack's alarms read them (names from
 * `INVOKER_METRICS` in the platform spec, which the invoker emits under).
 */
import {
  aws_cloudwatch as cloudwatch,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_s3 as s3,
  Duration,
  RemovalPolicy,
} from 'aws-cdk-lib';
import {
  DEFAULT_SPEC,
  INVOKER_ENV,
  INVOKER_METRICS,
  invokerSettingsEnv,
  type InvokerSpec,
  type TrainingMode,
} from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcards, GRANT_HELPER_ACTIONS } from '../nag.js';
import { InfraPropsError } from '../errors.js';

/** Where the invoker's EMF metrics land: CloudWatch namespace and the `service` dimension. */
export interface InvokerMetricSource {
  /** The metric namespace (`spec.project.name`). */
  readonly namespace: string;
  /** The `service` dimension (`spec.invoker.functionName`). */
  readonly serviceName: string;
}

/**
 * The invoker's share of low-quality answers from one endpoint in percent: the percentile rank `PR(:minConfidence)`
 * of `AnswerConfidence` (one value per answer, 0 for not-a-dog), i.e. the percentage of answers at or below the cut.
 * CloudWatch computes percentile ranks on raw values, which the invoker's EMF records are
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html, "Percentile rank").
 */
export function invokerLowQualityPercent(
  source: InvokerMetricSource,
  endpointName: string,
  minConfidence: number,
  period: Duration,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: source.namespace,
    metricName: INVOKER_METRICS.answerConfidence,
    dimensionsMap: {
      [INVOKER_METRICS.dimensions.service]: source.serviceName,
      [INVOKER_METRICS.dimensions.endpoint]: endpointName,
    },
    statistic: cloudwatch.Stats.percentileRank(minConfidence),
    period,
  });
}

/**
 * The invoker's error rate for one endpoint in percent: `100 × FailedRequests / Requests` per period, both Sums with
 * dimensions {service, endpoint}. A period without requests has no data point (not 0 %, not an error).
 */
export function invokerErrorRatePercent(
  source: InvokerMetricSource,
  endpointName: string,
  period: Duration,
): cloudwatch.MathExpression {
  const metric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: source.namespace,
      metricName,
      dimensionsMap: {
        [INVOKER_METRICS.dimensions.service]: source.serviceName,
        [INVOKER_METRICS.dimensions.endpoint]: endpointName,
      },
      statistic: 'Sum',
      period,
    });
  return new cloudwatch.MathExpression({
    expression: '100 * failed / requests',
    usingMetrics: {
      failed: metric(INVOKER_METRICS.failedRequests),
      requests: metric(INVOKER_METRICS.requests),
    },
    label: `invoker error rate (%) for ${endpointName}`,
    period,
  });
}

/** What the invoker needs from an endpoint construct. */
export interface InvokableEndpoint {
  readonly endpointName: string;
  readonly endpointArn: string;
}

/** The bundle's handler (its `index.mjs` exports `handler`). */
export const INVOKER_HANDLER = 'index.handler';
/** The alias the function URL and the provisioned concurrency sit on. */
export const INVOKER_ALIAS = 'live';

export interface InvokerProps {
  /** `spec.invoker`: name, runtime, architecture, memory, timeout, concurrency, log retention, s3 input. */
  readonly invoker: InvokerSpec;
  /** The bundled handler, e.g. `lambda.Code.fromAsset(invokerBundleDir)`; apps/infra knows where the build puts it. */
  readonly code: lambda.Code;
  readonly endpoints: Readonly<Record<TrainingMode, InvokableEndpoint>>;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The endpoint used when a request names none.
   * @default 'single'
   */
  readonly defaultEndpoint?: TrainingMode;
  /**
   * Bucket the optional `s3Uri` input reads from (only under `invoker.s3Input.prefix`); required when
   * `invoker.s3Input.enabled`.
   * @default - none
   */
  readonly inputBucket?: s3.IBucket;
  /**
   * The key of `inputBucket` (decrypt only).
   * @default - none
   */
  readonly inputKey?: kms.IKey;
  /**
   * Where the function publishes its metrics (set as Powertools' POWERTOOLS_METRICS_NAMESPACE and
   * POWERTOOLS_SERVICE_NAME), so that alarms built from the same source read them.
   * @default - `project.name` of the platform spec's defaults and `invoker.functionName`
   */
  readonly metricSource?: InvokerMetricSource;
}

/**
 * The invoker Lambda: the bundled handler in the VPC's private subnets, reserved concurrency from the spec, an alias
 * `live` (with provisioned concurrency when the spec asks for it) behind a function URL with AWS_IAM auth. Its role
 * may call `sagemaker:InvokeEndpoint` on exactly the two endpoints, write its own log group and X-Ray traces, manage
 * its VPC network interfaces, and read the s3Uri input prefix when that input is on.
 */
export class Invoker extends Construct {
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly function: lambda.Function;
  /** `live`: what the function URL invokes (clients need permission on this qualified ARN). */
  public readonly alias: lambda.Alias;
  public readonly functionUrl: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: InvokerProps) {
    super(scope, id);
    const spec = props.invoker;
    const where = `Invoker ${spec.functionName}`;
    if (props.subnets.subnetType === ec2.SubnetType.PUBLIC)
      throw new InfraPropsError(`${where}: subnets must not be public`);
    if (spec.s3Input.enabled && !props.inputBucket) {
      throw new InfraPropsError(`${where}: invoker.s3Input.enabled is true, so inputBucket is required`);
    }
    const ms = props.metricSource;
    if (ms && !(/^[^:].{0,254}$/.test(ms.namespace) && /^[^:].{0,254}$/.test(ms.serviceName)))
      throw new InfraPropsError(
        `${where}: metricSource.namespace and .serviceName must be 1-255 characters, not starting with ":" (CloudWatch)`,
      );
    const retention = spec.logRetentionDays as logs.RetentionDays;
    if (!Object.values(logs.RetentionDays).includes(retention)) {
      throw new InfraPropsError(
        `${where}: logRetentionDays ${spec.logRetentionDays} is not a CloudWatch Logs retention (e.g. 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365)`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${spec.functionName}`,
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${spec.functionName}: InvokeEndpoint on the two endpoints, own logs, X-Ray, VPC ENIs`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeTheTwoEndpoints',
        actions: ['sagemaker:InvokeEndpoint'],
        resources: [props.endpoints.single.endpointArn, props.endpoints.multi.endpointArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'VpcNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    // The handler reads its whole configuration from here (it never loads the platform spec): every INVOKER_ENV
    // name but the input bucket, which is set only when the s3Uri input is on.
    const environment: Record<string, string> = {
      ...invokerSettingsEnv(
        spec,
        ms ?? { namespace: DEFAULT_SPEC.project.name, serviceName: spec.functionName },
      ),
      [INVOKER_ENV.endpointSingle]: props.endpoints.single.endpointName,
      [INVOKER_ENV.endpointMulti]: props.endpoints.multi.endpointName,
      [INVOKER_ENV.defaultEndpoint]: props.defaultEndpoint ?? 'single',
    };
    if (spec.s3Input.enabled && props.inputBucket) {
      props.inputBucket.grantRead(this.role, `${spec.s3Input.prefix}*`);
      props.inputKey?.grantDecrypt(this.role);
      environment[INVOKER_ENV.inputBucket] = props.inputBucket.bucketName;
    }

    this.function = new lambda.Function(this, 'Function', {
      functionName: spec.functionName,
      runtime: new lambda.Runtime(spec.runtime, lambda.RuntimeFamily.NODEJS),
      architecture: spec.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      handler: INVOKER_HANDLER,
      code: props.code,
      role: this.role,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      reservedConcurrentExecutions: spec.reservedConcurrency,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment,
    });
    // ENI permissions must be in place before Lambda creates the function's network interfaces.
    const rolePolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (rolePolicy) this.function.node.addDependency(rolePolicy);

    this.alias = new lambda.Alias(this, 'Live', {
      aliasName: INVOKER_ALIAS,
      version: this.function.currentVersion,
      provisionedConcurrentExecutions:
        spec.provisionedConcurrency > 0 ? spec.provisionedConcurrency : undefined,
    });
    this.functionUrl = this.alias.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    acknowledgeWildcards(
      this.role,
      'Only actions without resource scoping (the VPC ENI actions Lambda needs in a VPC, X-Ray PutTraceSegments/PutTelemetryRecords), and the s3Uri input prefix when that input is on.',
      [...GRANT_HELPER_ACTIONS, /^Resource::\*$/, new RegExp(`^Resource::.*/${spec.s3Input.prefix}\\*$`)],
    );
    acknowledge(this.function, {
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is pinned by the platform spec (nodejs22.x), which the bundle is built and tested for.',
    });
  }
}
