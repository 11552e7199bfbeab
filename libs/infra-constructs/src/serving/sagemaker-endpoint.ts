/**
 * One real-time SageMaker endpoint with its autoscaling, its alarms, and its rollout: a candidate model may first run
 * beside the serving one as a shadow variant (a sampled copy of live requests, answers discarded, both captured); a
 * model update shifts traffic blue/green as the spec's deployment says and rolls back when a rollback alarm fires.
 */
import {
  ArnFormat,
  aws_applicationautoscaling as appscaling,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  aws_ec2 as ec2,
  aws_ecr as ecr,
  aws_iam as iam,
  aws_kms as kms,
  aws_s3 as s3,
  aws_sagemaker as sagemaker,
  aws_sns as sns,
  Duration,
  Stack,
} from 'aws-cdk-lib';
import {
  awsCronFields,
  MODEL_SERVER_ENV,
  ModelArtifactKey,
  modelServerSettingsEnv,
  parseCron,
  ROLLBACK_ALARM_KINDS,
  rollbackAlarmName,
  SAGEMAKER_MODEL_DIR,
  SamplingPercent,
  shadowVariantName,
  type AutoscalingSpec,
  type EndpointSpec,
  type ModelServerSpec,
  type RollbackAlarmKind,
  type RolloutSpec,
} from '@dogbreed/platform-spec';
import { Construct } from 'constructs';
import { acknowledgeWildcards, GRANT_HELPER_ACTIONS } from '../nag.js';
import { DATA_PREFIXES } from '../data/data-stores.js';
import { InfraPropsError } from '../errors.js';
import { checkProp } from '../props.js';
import { sagemakerVpcAccessStatement } from '../iam/sagemaker-vpc-access.js';
import type { InvokerMetricSource } from './invoker.js';
import { addRollbackAlarms, variantMetric } from './rollback-alarms.js';
import { checkDeployment, deploymentConfig } from './rollout.js';

/** The image a SageMaker model runs: a `DockerImageAsset` or an ECR repository + tag both fit. */
export interface ModelImage {
  readonly imageUri: string;
  readonly repository: ecr.IRepository;
}

/** Instance families with local NVMe storage reject an endpoint-config volume KMS key (e.g. ml.g4dn, ml.m5d, ml.p4d). */
export function instanceHasLocalStorage(instanceType: string): boolean {
  const family = instanceType.replace(/^ml\./, '').split('.')[0] ?? '';
  return /^[a-z]+\d+[a-z]*d[a-z]*$/.test(family);
}

export interface SageMakerEndpointProps {
  /** The endpoint from the spec (`spec.endpoints.single` or `.multi`). */
  readonly endpoint: EndpointSpec;
  /** `spec.autoscaling`: bounds, metric, target value and cooldowns of the variant's scaling policy. */
  readonly autoscaling: AutoscalingSpec;
  /** `spec.modelServer`: passed to the container as its environment. */
  readonly modelServer: ModelServerSpec;
  readonly image: ModelImage;
  /** Holds the model artifact (`endpoint.modelArtifact.s3Key`) and receives the data capture. */
  readonly modelBucket: s3.IBucket;
  /**
   * Key of the model.tar.gz in the model bucket, e.g. a training job's output after the pipeline's train stage.
   * @default endpoint.modelArtifact.s3Key
   */
  readonly modelKey?: string;
  /**
   * Key of a candidate model.tar.gz to run as the endpoint's shadow variant (the pipeline's shadow phase): SageMaker
   * copies `shadowSamplingPercent` % of the live requests to it and discards its answers; data capture records both
   * variants. Unset: the endpoint serves `modelKey` alone.
   * @default - no shadow variant
   */
  readonly shadowModelKey?: string;
  /**
   * `spec.rollout.shadow.samplingPercent`: the share of live requests copied to the shadow variant (1 to 100).
   * @default 100
   */
  readonly shadowSamplingPercent?: number;
  /** Encrypts the endpoint's volumes and the captured data. */
  readonly key: kms.IKey;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * `spec.rollout.dataCapture`: whether and what share of requests SageMaker captures, to
   * `<model bucket>/data-capture/<endpoint>/<variant>/yyyy/mm/dd/hh/` (SageMaker adds the endpoint and variant).
   */
  readonly dataCapture: RolloutSpec['dataCapture'];
  /** Where the invoker publishes its metrics: the third rollback alarm reads its error rate for this endpoint. */
  readonly invokerMetrics: InvokerMetricSource;
  /**
   * More alarms that roll an update back, besides the spec's (SageMaker takes at most 10 in all).
   * @default []
   */
  readonly extraRollbackAlarms?: readonly cloudwatch.IAlarm[];
  /**
   * Topic the alarms notify.
   * @default - alarms without actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/** The two halves of a step policy: an alarm and the action it triggers, per direction. */
export interface StepScaling {
  readonly scaleOut: appscaling.StepScalingAction;
  readonly scaleOutAlarm: cloudwatch.Alarm;
  readonly scaleIn: appscaling.StepScalingAction;
  readonly scaleInAlarm: cloudwatch.Alarm;
}

/**
 * One real-time SageMaker endpoint: the model (custom image, artifact from S3, VPC, network isolation), the endpoint
 * config (instance type, volume KMS key, data capture to S3 with KMS from `rollout.dataCapture`), the endpoint with
 * its blue/green DeploymentConfig (`endpoint.deployment`, checked against SageMaker's constraints in `rollout.ts`),
 * the Application Auto Scaling target on `sagemaker:variant:DesiredInstanceCount` with the spec's policy (target
 * tracking, or step scaling) and scheduled actions (two per scheduled window), the rollback alarms (5xx, p90
 * model latency, the invoker's error rate and share of low-quality answers for this endpoint), and an alarm on the instance count reaching the maximum.
 */
export class SageMakerEndpoint extends Construct {
  public readonly role: iam.Role;
  public readonly model: sagemaker.CfnModel;
  /** The candidate's model, when the endpoint runs a shadow variant (`shadowModelKey`). */
  public readonly shadowModel?: sagemaker.CfnModel;
  public readonly endpointConfig: sagemaker.CfnEndpointConfig;
  public readonly endpoint: sagemaker.CfnEndpoint;
  /** The endpoint's ARN (`Ref` of the endpoint). */
  public readonly endpointArn: string;
  public readonly endpointName: string;
  public readonly scalableTarget: appscaling.ScalableTarget;
  /** Set when `autoscaling.policy.type` is `target-tracking`. */
  public readonly scalingPolicy?: appscaling.TargetTrackingScalingPolicy;
  /** Set when `autoscaling.policy.type` is `step`. */
  public readonly stepScaling?: StepScaling;
  /** Rollback alarm: Invocation5XXErrors (Sum) at or above `rollbackAlarms.errors5xx.threshold`. */
  public readonly errorAlarm: cloudwatch.Alarm;
  /** Rollback alarm: ModelLatency p90 above `rollbackAlarms.modelLatencyP90Ms.threshold` ms. */
  public readonly latencyAlarm: cloudwatch.Alarm;
  /** Rollback alarm: the invoker's error rate for this endpoint above `rollbackAlarms.invokerErrorRatePercent`. */
  public readonly invokerErrorRateAlarm: cloudwatch.Alarm;
  /** Rollback alarm: the invoker's share of low-confidence or not-a-dog answers above `rollbackAlarms.lowQualityPercent`. */
  public readonly lowQualityAlarm: cloudwatch.Alarm;
  /** Every alarm that rolls an update of this endpoint back, in the DeploymentConfig's order. */
  public readonly rollbackAlarms: readonly cloudwatch.IAlarm[];
  public readonly atMaxCapacityAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SageMakerEndpointProps) {
    super(scope, id);
    const { endpoint: ep, autoscaling: as } = props;
    const where = `SageMakerEndpoint ${ep.name}`;
    if (ep.initialInstanceCount < as.minInstances || ep.initialInstanceCount > as.maxInstances) {
      throw new InfraPropsError(
        `${where}: initialInstanceCount ${ep.initialInstanceCount} must lie within autoscaling min ${as.minInstances} and max ${as.maxInstances}`,
      );
    }
    if (props.subnets.subnetType === ec2.SubnetType.PUBLIC)
      throw new InfraPropsError(`${where}: subnets must not be public`);
    const capture = props.dataCapture;
    checkProp(where, 'dataCapture.samplingPercent', SamplingPercent, capture.samplingPercent);
    const shadowSampling = props.shadowSamplingPercent ?? 100;
    if (props.shadowModelKey !== undefined) {
      // The verdict is made of the two variants' captures: without capture a shadow would run and prove nothing.
      if (!capture.enabled)
        throw new InfraPropsError(
          `${where}: shadowModelKey needs dataCapture.enabled (the shadow verdict reads both variants' captures)`,
        );
      if (!Number.isInteger(shadowSampling) || shadowSampling < 1 || shadowSampling > 100)
        throw new InfraPropsError(
          `${where}: shadowSamplingPercent must be an integer 1-100 (got ${shadowSampling})`,
        );
    }
    const extraAlarms = props.extraRollbackAlarms ?? [];
    checkDeployment(where, ep, as, ROLLBACK_ALARM_KINDS.length + extraAlarms.length);
    const stack = Stack.of(this);
    this.endpointName = ep.name;
    // SageMaker writes under <DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/: the destination is the prefix
    // itself (no trailing slash), and this endpoint's role may write its own folder only.
    const captureDestination = DATA_PREFIXES.dataCapture.replace(/\/$/, '');
    const capturePrefix = `${DATA_PREFIXES.dataCapture}${ep.name}`;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker model of ${ep.name}: read its artifact, pull its image, write its capture and logs`,
    });
    const modelKey = checkProp(where, 'modelKey', ModelArtifactKey, props.modelKey ?? ep.modelArtifact.s3Key);
    props.modelBucket.grantRead(this.role, modelKey);
    const shadowKey =
      props.shadowModelKey === undefined
        ? undefined
        : checkProp(where, 'shadowModelKey', ModelArtifactKey, props.shadowModelKey);
    if (shadowKey !== undefined) props.modelBucket.grantRead(this.role, shadowKey);
    if (capture.enabled) props.modelBucket.grantPut(this.role, `${capturePrefix}/*`);
    props.key.grantEncryptDecrypt(this.role);
    props.image.repository.grantPull(this.role);
    const logGroupArn = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/sagemaker/Endpoints/${ep.name}`;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogStreams',
        ],
        resources: [logGroupArn, `${logGroupArn}:*`],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'aws/sagemaker/*'] } },
      }),
    );
    this.role.addToPolicy(sagemakerVpcAccessStatement());

    // The serving model and the candidate differ only in their artifact: same image, settings, network, role.
    const modelOf = (id: string, key: string) =>
      new sagemaker.CfnModel(this, id, {
        executionRoleArn: this.role.roleArn,
        enableNetworkIsolation: true,
        primaryContainer: {
          image: props.image.imageUri,
          modelDataUrl: props.modelBucket.s3UrlForObject(key),
          environment: {
            [MODEL_SERVER_ENV.modelDir]: SAGEMAKER_MODEL_DIR,
            [MODEL_SERVER_ENV.host]: '0.0.0.0',
            ...modelServerSettingsEnv(props.modelServer),
          },
        },
        vpcConfig: {
          subnets: props.vpc.selectSubnets(props.subnets).subnetIds,
          securityGroupIds: [props.securityGroup.securityGroupId],
        },
      });
    this.model = modelOf('Model', modelKey);
    if (shadowKey !== undefined) this.shadowModel = modelOf('ShadowModel', shadowKey);
    // The role's policies must exist before SageMaker validates the model (it reads the artifact and image).
    const rolePolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (rolePolicy) {
      this.model.node.addDependency(rolePolicy);
      this.shadowModel?.node.addDependency(rolePolicy);
    }

    this.endpointConfig = new sagemaker.CfnEndpointConfig(this, 'Config', {
      kmsKeyId: instanceHasLocalStorage(ep.instanceType) ? undefined : props.key.keyArn,
      productionVariants: [
        {
          variantName: ep.variantName,
          modelName: this.model.attrModelName,
          instanceType: ep.instanceType,
          initialInstanceCount: ep.initialInstanceCount,
          initialVariantWeight: 1,
        },
      ],
      // The shadow phase (https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests.html; one production and at
      // most one shadow variant, CreateEndpointConfig ShadowProductionVariants): SageMaker copies a share of the
      // production variant's requests to the shadow and discards its answers. The share is the shadow's
      // InitialVariantWeight relative to the production variant's (1 here), which is what a shadow test's
      // SamplingPercentage sets (API_ShadowModelVariantConfig). The shadow is not registered with Application Auto
      // Scaling: it runs initialInstanceCount instances for the phase, as the production variant starts.
      shadowProductionVariants: this.shadowModel
        ? [
            {
              variantName: shadowVariantName(ep.variantName),
              modelName: this.shadowModel.attrModelName,
              instanceType: ep.instanceType,
              initialInstanceCount: ep.initialInstanceCount,
              initialVariantWeight: shadowSampling / 100,
            },
          ]
        : undefined,
      // Capture records each variant under its own folder (<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/,
      // https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html), with the request's
      // InferenceId in eventMetadata: the verdict pairs the two folders by it. A pair needs both sides of the same
      // request captured, and SageMaker does not document that it samples the two variants' captures together (if
      // independent, a p % capture pairs about p² % of the shadowed requests): while a shadow runs, every request is
      // captured.
      dataCaptureConfig: capture.enabled
        ? {
            enableCapture: true,
            initialSamplingPercentage: this.shadowModel ? 100 : capture.samplingPercent,
            destinationS3Uri: props.modelBucket.s3UrlForObject(captureDestination),
            kmsKeyId: props.key.keyArn,
            captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
          }
        : undefined,
    });

    const alarmName = (kind: RollbackAlarmKind) => rollbackAlarmName(stack.stackName, ep.name, kind);
    const rollbackAlarms = addRollbackAlarms(this, {
      endpoint: ep,
      stackName: stack.stackName,
      invokerMetrics: props.invokerMetrics,
    });
    this.errorAlarm = rollbackAlarms.errors5xx;
    this.latencyAlarm = rollbackAlarms.modelLatencyP90Ms;
    this.invokerErrorRateAlarm = rollbackAlarms.invokerErrorRatePercent;
    this.lowQualityAlarm = rollbackAlarms.lowQualityPercent;
    const ownRollbackAlarms = ROLLBACK_ALARM_KINDS.map((kind) => rollbackAlarms[kind]);
    this.rollbackAlarms = [...ownRollbackAlarms, ...extraAlarms];
    // SageMaker asks that "your IAM execution role" may describe the rollback alarms (deployment-guardrails-
    // configuration); the deploying principal is CDK's CloudFormation role, so this one is the model's. The ARNs
    // come from the fixed names (no dependency on the alarms, which moto's CloudFormation cannot resolve either).
    const ownAlarmArn = (name: string) =>
      stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeRollbackAlarms',
        actions: ['cloudwatch:DescribeAlarms'],
        resources: [
          ...ROLLBACK_ALARM_KINDS.map((k) => ownAlarmArn(alarmName(k))),
          ...extraAlarms.map((a) => a.alarmArn),
        ],
      }),
    );

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: ep.name,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
      // The scalable target below is always registered: an update must keep the instance count Application Auto
      // Scaling set, not reset it to initialInstanceCount (endpoint-scaling-update, see rollout.ts).
      retainAllVariantProperties: true,
      deploymentConfig: deploymentConfig(
        ep.deployment,
        this.rollbackAlarms.map((a) => a.alarmName),
      ),
    });
    this.endpointArn = this.endpoint.ref;

    // The resource id names the endpoint's attribute, so the target is registered only once the endpoint exists.
    this.scalableTarget = new appscaling.ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpoint.attrEndpointName}/variant/${ep.variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: as.minInstances,
      maxCapacity: as.maxInstances,
    });
    if (as.policy.type === 'step') {
      this.stepScaling = this.addStepScaling(ep, as, as.policy);
    } else {
      this.scalingPolicy = this.scalableTarget.scaleToTrackMetric('TargetTracking', {
        predefinedMetric: as.metric as appscaling.PredefinedMetric,
        targetValue: as.targetValue,
        scaleOutCooldown: Duration.seconds(as.scaleOutCooldownSeconds),
        scaleInCooldown: Duration.seconds(as.scaleInCooldownSeconds),
      });
    }
    // Each window is two scheduled actions: its bounds at the start, the policy's at the end (UTC).
    for (const w of as.schedule) {
      this.scalableTarget.scaleOnSchedule(`Schedule-${w.name}-start`, {
        schedule: appscaling.Schedule.cron(awsCronFields(parseCron(w.start))),
        minCapacity: w.minInstances,
        maxCapacity: w.maxInstances ?? as.maxInstances,
      });
      this.scalableTarget.scaleOnSchedule(`Schedule-${w.name}-end`, {
        schedule: appscaling.Schedule.cron(awsCronFields(parseCron(w.end))),
        minCapacity: as.minInstances,
        maxCapacity: as.maxInstances,
      });
    }

    const scalingPeriod = Duration.seconds(as.metricPeriodSeconds);
    const metric = (metricName: string, statistic: string) =>
      variantMetric(ep, metricName, statistic, scalingPeriod);
    // SageMaker publishes no instance-count metric for a variant; Invocations / InvocationsPerInstance is the count.
    this.atMaxCapacityAlarm = new cloudwatch.Alarm(this, 'AtMaxCapacity', {
      alarmDescription: `${ep.name}: running at the autoscaling maximum of ${as.maxInstances} instances`,
      metric: new cloudwatch.MathExpression({
        expression: 'invocations / perInstance',
        label: 'instances',
        usingMetrics: {
          invocations: metric('Invocations', 'Sum'),
          perInstance: metric('InvocationsPerInstance', 'Sum'),
        },
        period: scalingPeriod,
      }),
      // The ratio is a float; anything that rounds to the maximum counts.
      threshold: as.maxInstances - 0.5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: as.scaleOutEvaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new cwActions.SnsAction(props.alarmTopic);
      for (const alarm of [...ownRollbackAlarms, this.atMaxCapacityAlarm]) alarm.addAlarmAction(action);
    }

    acknowledgeWildcards(
      this.role,
      "Wildcards are this endpoint's own data-capture prefix and log streams, KMS data-key actions on the project key, and actions without resource scoping (ecr:GetAuthorizationToken, the VPC ENI actions, cloudwatch:PutMetricData limited by namespace).",
      [
        ...GRANT_HELPER_ACTIONS,
        new RegExp(`^Resource::.*/${capturePrefix}/\\*$`),
        new RegExp(`^Resource::arn:.*:log-group:/aws/sagemaker/Endpoints/${ep.name}:\\*$`),
        /^Resource::\*$/,
      ],
    );
  }

  /**
   * Step scaling as two alarms on InvocationsPerInstance (per instance per minute, as the spec's bounds are) and two
   * step actions, so scale-out and scale-in keep their own cooldowns; step bounds are relative to each alarm's
   * threshold, as Application Auto Scaling wants them.
   */
  private addStepScaling(
    ep: EndpointSpec,
    as: AutoscalingSpec,
    policy: Extract<AutoscalingSpec['policy'], { type: 'step' }>,
  ): StepScaling {
    const period = Duration.seconds(as.metricPeriodSeconds);
    const perPeriod = variantMetric(ep, 'InvocationsPerInstance', 'Sum', period);
    const perMinute =
      as.metricPeriodSeconds === 60
        ? perPeriod
        : new cloudwatch.MathExpression({
            expression: `ipi * ${60 / as.metricPeriodSeconds}`,
            usingMetrics: { ipi: perPeriod },
            label: 'InvocationsPerInstance per minute',
            period,
          });
    const outThreshold = policy.scaleOut[0]?.lowerBound ?? 0;
    const scaleOut = new appscaling.StepScalingAction(this, 'StepScaleOut', {
      scalingTarget: this.scalableTarget,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.seconds(as.scaleOutCooldownSeconds),
    });
    policy.scaleOut.forEach((s, i) => {
      const next = policy.scaleOut[i + 1];
      scaleOut.addAdjustment({
        adjustment: s.change,
        lowerBound: s.lowerBound - outThreshold,
        upperBound: next ? next.lowerBound - outThreshold : undefined,
      });
    });
    const scaleOutAlarm = new cloudwatch.Alarm(this, 'StepScaleOutAlarm', {
      alarmDescription: `${ep.name}: InvocationsPerInstance at or above ${outThreshold}/min (step scale-out)`,
      metric: perMinute,
      threshold: outThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: as.scaleOutEvaluationPeriods,
    });
    scaleOutAlarm.addAlarmAction(new cwActions.ApplicationScalingAction(scaleOut));

    const inThreshold = policy.scaleIn[0]?.upperBound ?? 0;
    const scaleIn = new appscaling.StepScalingAction(this, 'StepScaleIn', {
      scalingTarget: this.scalableTarget,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.seconds(as.scaleInCooldownSeconds),
    });
    policy.scaleIn.forEach((s, i) => {
      const next = policy.scaleIn[i + 1];
      scaleIn.addAdjustment({
        adjustment: -s.change,
        upperBound: s.upperBound - inThreshold,
        lowerBound: next ? next.upperBound - inThreshold : undefined,
      });
    });
    const scaleInAlarm = new cloudwatch.Alarm(this, 'StepScaleInAlarm', {
      alarmDescription: `${ep.name}: InvocationsPerInstance below ${inThreshold}/min (step scale-in)`,
      metric: perMinute,
      threshold: inThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: as.scaleInEvaluationPeriods,
    });
    scaleInAlarm.addAlarmAction(new cwActions.ApplicationScalingAction(scaleIn));
    return { scaleOut, scaleOutAlarm, scaleIn, scaleInAlarm };
  }
}
