import { ArnFormat, aws_iam as iam, Stack } from 'aws-cdk-lib';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import type { IConstruct } from 'constructs';
import { accessNames, sageMakerArnName } from './names.js';

/** Log read actions the viewer (and operator) may use besides `Describe*|List*|Get*`. */
export const LOG_READ_ACTIONS = [
  'logs:DescribeLogGroups',
  'logs:DescribeLogStreams',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
  'logs:GetLogGroupFields',
  'logs:StartQuery',
  'logs:GetQueryResults',
  'logs:StopQuery',
] as const;

/** The ARNs of the project's resources that the people roles address. */
export interface ProjectResourceArns {
  readonly endpoints: readonly string[];
  /** Endpoint configs named with the project prefix (`endpoint-config/<project>-*`). */
  readonly endpointConfigs: string;
  /** Models named with the project prefix. */
  readonly models: string;
  /** Training jobs named with the project prefix. */
  readonly trainingJobs: string;
  /** Application Auto Scaling scalable targets (their ids are random: IAM cannot name one). */
  readonly scalableTargets: string;
  /** Target-tracking alarms Application Auto Scaling creates for each endpoint. */
  readonly scalingAlarms: readonly string[];
  /** The project's alarms (named with the project prefix) and the target-tracking ones. */
  readonly alarms: readonly string[];
  /** Log groups and their streams: endpoints, the invoker, the notebook; training streams of project jobs. */
  readonly logGroups: readonly string[];
  readonly logStreams: readonly string[];
  /** The invoker function, unqualified and qualified (`:live`, versions). */
  readonly invokerFunction: readonly string[];
  /** The development notebook, when the spec enables it. */
  readonly notebook?: string;
}

export interface ProjectResourceArnsInput {
  readonly endpointNames: readonly string[];
  readonly invokerFunctionArn: string;
}

/** Builds the ARNs in `scope`'s stack (account and region of that stack; SageMaker names lower-cased). */
export function projectResourceArns(
  scope: IConstruct,
  spec: PlatformSpec,
  input: ProjectResourceArnsInput,
): ProjectResourceArns {
  const stack = Stack.of(scope);
  const names = accessNames(spec);
  const sm = (resource: string, resourceName: string) =>
    stack.formatArn({
      service: 'sagemaker',
      resource,
      resourceName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const logGroup = (name: string) =>
    stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const alarm = (name: string) =>
    stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const groups = [
    ...input.endpointNames.map((n) => `/aws/sagemaker/Endpoints/${n}`),
    `/aws/lambda/${spec.invoker.functionName}`,
    ...(spec.access.notebook.enabled ? ['/aws/sagemaker/NotebookInstances'] : []),
  ];
  const scalingAlarms = input.endpointNames.map((n) => alarm(`TargetTracking-endpoint/${n}/*`));
  return {
    endpoints: input.endpointNames.map((n) => sm('endpoint', sageMakerArnName(n))),
    endpointConfigs: sm('endpoint-config', `${sageMakerArnName(names.endpointConfigPrefix)}*`),
    models: sm('model', `${sageMakerArnName(names.endpointConfigPrefix)}*`),
    trainingJobs: sm('training-job', `${sageMakerArnName(names.trainingJobPrefix)}*`),
    scalableTargets: stack.formatArn({
      service: 'application-autoscaling',
      resource: 'scalable-target',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
    scalingAlarms,
    alarms: [...scalingAlarms, alarm(`${spec.project.name}-*`)],
    logGroups: [...groups.map(logGroup), logGroup('/aws/sagemaker/TrainingJobs')],
    logStreams: [
      ...groups.map((g) => `${logGroup(g)}:log-stream:*`),
      `${logGroup('/aws/sagemaker/TrainingJobs')}:log-stream:${names.trainingJobPrefix}*`,
    ],
    invokerFunction: [input.invokerFunctionArn, `${input.invokerFunctionArn}:*`],
    ...(spec.access.notebook.enabled
      ? { notebook: sm('notebook-instance', sageMakerArnName(names.notebookInstance)) }
      : {}),
  };
}

/** Read-only statements: `Describe*|List*|Get*` on the project's resources plus the log read actions. */
export function viewerStatements(arns: ProjectResourceArns): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'DescribeProjectSageMakerResources',
      actions: [
        'sagemaker:DescribeEndpoint',
        'sagemaker:DescribeEndpointConfig',
        'sagemaker:DescribeModel',
        'sagemaker:DescribeTrainingJob',
        'sagemaker:ListTags',
        ...(arns.notebook ? ['sagemaker:DescribeNotebookInstance'] : []),
      ],
      resources: [
        ...arns.endpoints,
        arns.endpointConfigs,
        arns.models,
        arns.trainingJobs,
        ...(arns.notebook ? [arns.notebook] : []),
      ],
    }),
    new iam.PolicyStatement({
      // List* calls and metric reads have no resource-level permissions in IAM: '*' is the only resource.
      sid: 'ListCallsWithoutResourceLevelPermissions',
      actions: [
        'sagemaker:ListEndpoints',
        'sagemaker:ListEndpointConfigs',
        'sagemaker:ListModels',
        'sagemaker:ListTrainingJobs',
        'sagemaker:ListNotebookInstances',
        'cloudwatch:GetMetricData',
        'cloudwatch:GetMetricStatistics',
        'cloudwatch:ListMetrics',
        'application-autoscaling:DescribeScalableTargets',
        'application-autoscaling:DescribeScalingPolicies',
        'application-autoscaling:DescribeScalingActivities',
        'logs:DescribeLogGroups',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeProjectAlarms',
      actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricWidgetImage'],
      resources: [...arns.alarms],
    }),
    new iam.PolicyStatement({
      sid: 'ReadProjectLogs',
      actions: LOG_READ_ACTIONS.filter((a) => a !== 'logs:DescribeLogGroups'),
      resources: [...arns.logGroups, ...arns.logStreams],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeInvokerFunction',
      actions: [
        'lambda:GetFunction',
        'lambda:GetFunctionConfiguration',
        'lambda:GetFunctionConcurrency',
        'lambda:GetFunctionUrlConfig',
        'lambda:GetAlias',
        'lambda:ListAliases',
        'lambda:ListVersionsByFunction',
      ],
      resources: [...arns.invokerFunction],
    }),
  ];
}

export interface OperatorOptions {
  /**
   * The SageMaker training role the operator passes to CreateTrainingJob (the only IAM action it gets:
   * `iam:PassRole` on that role, to sagemaker.amazonaws.com).
   * @default - no iam:PassRole: the operator can stop and describe training jobs but not start one
   */
  readonly trainingRoleArn?: string;
}

/**
 * Operator: the viewer's reads plus endpoint updates, scaling changes, training start/stop and opening the
 * notebook. No IAM change, no KMS key policy or key creation, no VPC action.
 */
export function operatorStatements(
  spec: PlatformSpec,
  arns: ProjectResourceArns,
  options: OperatorOptions = {},
): iam.PolicyStatement[] {
  const endpointTypes = [...new Set([spec.endpoints.single.instanceType, spec.endpoints.multi.instanceType])];
  const trainingTypes = [...new Set([spec.training.singleInstanceType, spec.training.multiInstanceType])];
  const statements = [
    ...viewerStatements(arns),
    new iam.PolicyStatement({
      sid: 'CreateEndpointConfigsOfSpecInstanceTypes',
      actions: ['sagemaker:CreateEndpointConfig'],
      resources: [arns.endpointConfigs],
      conditions: {
        'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': endpointTypes },
        Null: { 'sagemaker:InstanceTypes': 'false' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'TagOnCreateOnly',
      actions: ['sagemaker:AddTags'],
      resources: [arns.endpointConfigs, arns.trainingJobs],
      conditions: {
        StringEquals: { 'sagemaker:TaggingAction': ['CreateEndpointConfig', 'CreateTrainingJob'] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'UpdateProjectEndpoints',
      actions: ['sagemaker:UpdateEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'],
      resources: [...arns.endpoints, arns.endpointConfigs],
    }),
    new iam.PolicyStatement({
      // IAM cannot name a scalable target (random id) nor bound MinCapacity/MaxCapacity: it bounds the
      // namespace and dimension; the alarms below bound target tracking to the project's endpoints.
      sid: 'ChangeSageMakerVariantScaling',
      actions: [
        'application-autoscaling:RegisterScalableTarget',
        'application-autoscaling:PutScalingPolicy',
        'application-autoscaling:DeleteScalingPolicy',
      ],
      resources: [arns.scalableTargets],
      conditions: {
        StringEquals: {
          'application-autoscaling:service-namespace': 'sagemaker',
          'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount',
        },
      },
    }),
    new iam.PolicyStatement({
      sid: 'TargetTrackingAlarmsOfProjectEndpoints',
      actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
      resources: [...arns.scalingAlarms],
    }),
    new iam.PolicyStatement({
      sid: 'StartProjectTrainingJobsWithinSpec',
      actions: ['sagemaker:CreateTrainingJob'],
      resources: [arns.trainingJobs],
      conditions: {
        'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': trainingTypes },
        Null: { 'sagemaker:InstanceTypes': 'false' },
        NumericLessThanEquals: { 'sagemaker:MaxRuntimeInSeconds': spec.training.maxRuntimeSeconds },
      },
    }),
    new iam.PolicyStatement({
      sid: 'StopProjectTrainingJobs',
      actions: ['sagemaker:StopTrainingJob'],
      resources: [arns.trainingJobs],
    }),
  ];
  if (options.trainingRoleArn) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'PassTrainingRoleToSageMakerOnly',
        actions: ['iam:PassRole'],
        resources: [options.trainingRoleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
  }
  if (arns.notebook) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'OpenTheDevelopmentNotebook',
        actions: [
          'sagemaker:CreatePresignedNotebookInstanceUrl',
          'sagemaker:StartNotebookInstance',
          'sagemaker:StopNotebookInstance',
        ],
        resources: [arns.notebook],
      }),
    );
  }
  return statements;
}

/** Client: the invoker's function URL (AWS_IAM auth) and nothing else. */
export function clientStatements(arns: ProjectResourceArns): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'InvokeFunctionUrlWithIamAuth',
      actions: ['lambda:InvokeFunctionUrl'],
      resources: [...arns.invokerFunction],
      conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
    }),
    new iam.PolicyStatement({
      // Function URLs created since 2025 need lambda:InvokeFunction too; only through the URL.
      sid: 'InvokeFunctionThroughTheUrlOnly',
      actions: ['lambda:InvokeFunction'],
      resources: [...arns.invokerFunction],
      conditions: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
    }),
  ];
}
