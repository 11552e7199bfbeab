/**
 * What CloudFormation needs, per resource type, to create, update and delete the resources of the pipeline-deployed
 * stacks (network, data, training, serving): the table the scoped CloudFormation execution policy is built from
 * (`cfn-execution-policy.ts`). Each row lists the calls CloudFormation makes with the execution role's credentials
 * for that type (the handlers' permissions in the CloudFormation resource provider schemas, plus what the called
 * service checks of its caller: iam:PassRole, kms:CreateGrant for a customer key, the code object of a Lambda
 * function, the service-linked role of Application Auto Scaling), each with the scope it may act on.
 *
 * A type the app synthesizes that is missing here fails the synth (`CfnExecutionPolicy`) and the test
 * `cfn-execution-policy.test.ts`: a new resource type is never deployed with an execution policy that cannot create it.
 */

/**
 * What an action may act on. The execution policy turns each into ARNs from the spec's names:
 * - `role`, `instanceProfile`, `function`, `bucket`, `topic`, `alarm`, `logGroup`, `parameter`: the project's
 *   (the project-name prefix that every generated or fixed name starts with; SSM parameters under `/<project>/`);
 * - `roleWithBoundary`: a project role, and only when the role carries the project's permissions boundary;
 * - `endpoint`: the spec's two SageMaker endpoints; `sagemaker`: models and endpoint configs (CloudFormation names
 *   them from the logical id, so no project prefix); `scalingAlarm`: the target-tracking alarms Application Auto
 *   Scaling creates for the spec's endpoints;
 * - `key`: any KMS key of the account in the region (key ids are random); `keyGrant`: kms:CreateGrant for an AWS
 *   resource only; `ec2`: EC2 resources of the account in the region (ids are random);
 * - `passRole`: iam:PassRole of a project role to `service` only; `serviceLinkedRole`: the one of `service`;
 * - `assets`: objects of the CDK bootstrap's file-asset bucket (Lambda reads the code with the caller's rights);
 * - `unscoped`: actions IAM cannot scope to a resource (creates of resources with random ids, lists, describes).
 */
export type ActionScope =
  | 'role'
  | 'roleWithBoundary'
  | 'instanceProfile'
  | 'passRole'
  | 'serviceLinkedRole'
  | 'function'
  | 'bucket'
  | 'assets'
  | 'topic'
  | 'alarm'
  | 'scalingAlarm'
  | 'logGroup'
  | 'parameter'
  | 'endpoint'
  | 'sagemaker'
  | 'key'
  | 'keyGrant'
  | 'ec2'
  | 'unscoped';

export interface ActionGrant {
  /** What the actions may act on. */
  readonly scope: ActionScope;
  /** IAM actions (service:Action). */
  readonly actions: readonly string[];
  /** For `passRole` and `serviceLinkedRole`: the service principal (`iam:PassedToService` / `iam:AWSServiceName`). */
  readonly service?: string;
}

const tagging = (service: string, ...extra: string[]) => [
  `${service}:TagResource`,
  `${service}:UntagResource`,
  `${service}:ListTagsForResource`,
  ...extra,
];
const ec2Tags = ['ec2:CreateTags', 'ec2:DeleteTags'];
const sagemakerTags = ['sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags'];
const passRole = (service: string): ActionGrant => ({
  scope: 'passRole',
  actions: ['iam:PassRole'],
  service,
});
/** Reads EC2 resources of every type (Describe* supports no resource scoping). */
const ec2Describe: ActionGrant = { scope: 'unscoped', actions: ['ec2:Describe*'] };

/** CloudFormation resource type → the calls CloudFormation makes for it. */
export const CFN_RESOURCE_ACTIONS: Readonly<Record<string, readonly ActionGrant[]>> = {
  'AWS::EC2::VPC': [
    { scope: 'unscoped', actions: ['ec2:CreateVpc'] },
    { scope: 'ec2', actions: ['ec2:DeleteVpc', 'ec2:ModifyVpcAttribute', ...ec2Tags] },
    ec2Describe,
  ],
  'AWS::EC2::Subnet': [
    {
      scope: 'ec2',
      actions: ['ec2:CreateSubnet', 'ec2:DeleteSubnet', 'ec2:ModifySubnetAttribute', ...ec2Tags],
    },
    ec2Describe,
  ],
  'AWS::EC2::RouteTable': [
    { scope: 'ec2', actions: ['ec2:CreateRouteTable', 'ec2:DeleteRouteTable', ...ec2Tags] },
    ec2Describe,
  ],
  'AWS::EC2::SubnetRouteTableAssociation': [
    {
      scope: 'ec2',
      actions: ['ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable', 'ec2:ReplaceRouteTableAssociation'],
    },
    ec2Describe,
  ],
  'AWS::EC2::SecurityGroup': [
    {
      scope: 'ec2',
      actions: [
        'ec2:CreateSecurityGroup',
        'ec2:DeleteSecurityGroup',
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupEgress',
        ...ec2Tags,
      ],
    },
    ec2Describe,
  ],
  'AWS::EC2::SecurityGroupIngress': [
    {
      scope: 'ec2',
      actions: [
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
      ],
    },
    ec2Describe,
  ],
  'AWS::EC2::SecurityGroupEgress': [
    {
      scope: 'ec2',
      actions: [
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
      ],
    },
    ec2Describe,
  ],
  'AWS::EC2::VPCEndpoint': [
    {
      scope: 'ec2',
      actions: ['ec2:CreateVpcEndpoint', 'ec2:DeleteVpcEndpoints', 'ec2:ModifyVpcEndpoint', ...ec2Tags],
    },
    // Private DNS of an interface endpoint: EC2 associates the VPC with the service's private hosted zone.
    { scope: 'unscoped', actions: ['route53:AssociateVPCWithHostedZone'] },
    ec2Describe,
  ],
  'AWS::EC2::FlowLog': [
    { scope: 'ec2', actions: ['ec2:CreateFlowLogs', 'ec2:DeleteFlowLogs', ...ec2Tags] },
    { scope: 'logGroup', actions: ['logs:CreateLogDelivery', 'logs:DeleteLogDelivery'] },
    passRole('vpc-flow-logs.amazonaws.com'),
    ec2Describe,
  ],
  'AWS::EC2::LaunchTemplate': [
    {
      scope: 'ec2',
      actions: [
        'ec2:CreateLaunchTemplate',
        'ec2:CreateLaunchTemplateVersion',
        'ec2:DeleteLaunchTemplate',
        'ec2:DeleteLaunchTemplateVersions',
        'ec2:ModifyLaunchTemplate',
        'ec2:GetLaunchTemplateData',
        ...ec2Tags,
      ],
    },
    ec2Describe,
  ],
  'AWS::EC2::Instance': [
    {
      scope: 'ec2',
      actions: [
        'ec2:RunInstances',
        'ec2:TerminateInstances',
        'ec2:StartInstances',
        'ec2:StopInstances',
        'ec2:ModifyInstanceAttribute',
        'ec2:AssociateIamInstanceProfile',
        'ec2:DisassociateIamInstanceProfile',
        'ec2:ReplaceIamInstanceProfileAssociation',
        'ec2:MonitorInstances',
        'ec2:UnmonitorInstances',
        ...ec2Tags,
      ],
    },
    passRole('ec2.amazonaws.com'),
    ec2Describe,
  ],
  'AWS::IAM::Role': [
    {
      scope: 'roleWithBoundary',
      actions: [
        'iam:CreateRole',
        'iam:PutRolePolicy',
        'iam:AttachRolePolicy',
        'iam:PutRolePermissionsBoundary',
        'iam:DeleteRolePolicy',
        'iam:DetachRolePolicy',
      ],
    },
    {
      scope: 'role',
      actions: [
        'iam:GetRole',
        'iam:GetRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:ListInstanceProfilesForRole',
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
        'iam:UpdateAssumeRolePolicy',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:DeleteRole',
      ],
    },
  ],
  'AWS::IAM::Policy': [
    { scope: 'roleWithBoundary', actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'] },
    { scope: 'role', actions: ['iam:GetRolePolicy'] },
  ],
  'AWS::IAM::InstanceProfile': [
    {
      scope: 'instanceProfile',
      actions: [
        'iam:CreateInstanceProfile',
        'iam:DeleteInstanceProfile',
        'iam:GetInstanceProfile',
        'iam:AddRoleToInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile',
      ],
    },
    passRole('ec2.amazonaws.com'),
  ],
  'AWS::KMS::Key': [
    { scope: 'unscoped', actions: ['kms:CreateKey'] },
    {
      scope: 'key',
      actions: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:PutKeyPolicy',
        'kms:GetKeyRotationStatus',
        'kms:EnableKeyRotation',
        'kms:DisableKeyRotation',
        'kms:UpdateKeyDescription',
        'kms:EnableKey',
        'kms:DisableKey',
        'kms:ScheduleKeyDeletion',
        'kms:ListResourceTags',
        'kms:TagResource',
        'kms:UntagResource',
      ],
    },
  ],
  'AWS::S3::Bucket': [
    {
      scope: 'bucket',
      actions: [
        's3:CreateBucket',
        's3:DeleteBucket',
        's3:ListBucket',
        's3:GetBucket*',
        's3:PutBucket*',
        's3:DeleteBucketPolicy',
        's3:GetEncryptionConfiguration',
        's3:PutEncryptionConfiguration',
        's3:GetLifecycleConfiguration',
        's3:PutLifecycleConfiguration',
      ],
    },
  ],
  'AWS::S3::BucketPolicy': [
    { scope: 'bucket', actions: ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'] },
  ],
  'AWS::SSM::Parameter': [
    {
      scope: 'parameter',
      actions: [
        'ssm:PutParameter',
        'ssm:DeleteParameter',
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:AddTagsToResource',
        'ssm:RemoveTagsFromResource',
        'ssm:ListTagsForResource',
      ],
    },
    { scope: 'unscoped', actions: ['ssm:DescribeParameters'] },
  ],
  'AWS::Logs::LogGroup': [
    {
      scope: 'logGroup',
      actions: [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:PutRetentionPolicy',
        'logs:DeleteRetentionPolicy',
        'logs:AssociateKmsKey',
        'logs:DisassociateKmsKey',
        ...tagging('logs', 'logs:TagLogGroup', 'logs:UntagLogGroup'),
      ],
    },
    { scope: 'unscoped', actions: ['logs:DescribeLogGroups'] },
  ],
  'AWS::Lambda::Function': [
    {
      scope: 'function',
      actions: [
        'lambda:CreateFunction',
        'lambda:DeleteFunction',
        'lambda:GetFunction',
        'lambda:GetFunctionConfiguration',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
        'lambda:PutFunctionConcurrency',
        'lambda:DeleteFunctionConcurrency',
        'lambda:GetRuntimeManagementConfig',
        'lambda:PutRuntimeManagementConfig',
        ...tagging('lambda', 'lambda:ListTags'),
      ],
    },
    { scope: 'assets', actions: ['s3:GetObject'] },
    passRole('lambda.amazonaws.com'),
    // A function in a VPC: Lambda checks the subnets and security groups with the caller's rights.
    ec2Describe,
  ],
  'AWS::Lambda::Version': [
    {
      scope: 'function',
      actions: ['lambda:PublishVersion', 'lambda:ListVersionsByFunction', 'lambda:DeleteFunction'],
    },
  ],
  'AWS::Lambda::Alias': [
    {
      scope: 'function',
      actions: ['lambda:CreateAlias', 'lambda:UpdateAlias', 'lambda:DeleteAlias', 'lambda:GetAlias'],
    },
  ],
  'AWS::Lambda::Url': [
    {
      scope: 'function',
      actions: [
        'lambda:CreateFunctionUrlConfig',
        'lambda:UpdateFunctionUrlConfig',
        'lambda:DeleteFunctionUrlConfig',
        'lambda:GetFunctionUrlConfig',
      ],
    },
  ],
  // CDK's custom resource that strips the default security group's rules: CloudFormation invokes its handler.
  'Custom::VpcRestrictDefaultSG': [{ scope: 'function', actions: ['lambda:InvokeFunction'] }],
  'AWS::CloudWatch::Alarm': [
    {
      scope: 'alarm',
      actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', ...tagging('cloudwatch')],
    },
    { scope: 'unscoped', actions: ['cloudwatch:DescribeAlarms'] },
  ],
  'AWS::SNS::Topic': [
    {
      scope: 'topic',
      actions: [
        'sns:CreateTopic',
        'sns:DeleteTopic',
        'sns:GetTopicAttributes',
        'sns:SetTopicAttributes',
        ...tagging('sns'),
      ],
    },
  ],
  'AWS::SNS::TopicPolicy': [
    { scope: 'topic', actions: ['sns:GetTopicAttributes', 'sns:SetTopicAttributes'] },
  ],
  'AWS::SNS::Subscription': [
    {
      scope: 'topic',
      actions: [
        'sns:Subscribe',
        'sns:Unsubscribe',
        'sns:GetSubscriptionAttributes',
        'sns:SetSubscriptionAttributes',
        'sns:ListSubscriptionsByTopic',
      ],
    },
  ],
  'AWS::SageMaker::Model': [
    {
      scope: 'sagemaker',
      actions: [
        'sagemaker:CreateModel',
        'sagemaker:DeleteModel',
        'sagemaker:DescribeModel',
        ...sagemakerTags,
      ],
    },
    passRole('sagemaker.amazonaws.com'),
    // A model in a VPC: SageMaker checks the subnets and security groups with the caller's rights.
    ec2Describe,
  ],
  'AWS::SageMaker::EndpointConfig': [
    {
      scope: 'sagemaker',
      actions: [
        'sagemaker:CreateEndpointConfig',
        'sagemaker:DeleteEndpointConfig',
        'sagemaker:DescribeEndpointConfig',
        ...sagemakerTags,
      ],
    },
    // KmsKeyId (volumes, data capture): SageMaker creates a grant in the caller's name.
    { scope: 'keyGrant', actions: ['kms:CreateGrant'] },
    { scope: 'key', actions: ['kms:DescribeKey'] },
  ],
  'AWS::SageMaker::Endpoint': [
    {
      scope: 'endpoint',
      actions: [
        'sagemaker:CreateEndpoint',
        'sagemaker:UpdateEndpoint',
        'sagemaker:DeleteEndpoint',
        'sagemaker:DescribeEndpoint',
        ...sagemakerTags,
      ],
    },
    { scope: 'sagemaker', actions: ['sagemaker:DescribeEndpointConfig'] },
    { scope: 'keyGrant', actions: ['kms:CreateGrant'] },
    // The rollback alarms of a guarded update are read with the caller's rights.
    { scope: 'unscoped', actions: ['cloudwatch:DescribeAlarms'] },
  ],
  'AWS::ApplicationAutoScaling::ScalableTarget': [
    {
      scope: 'unscoped',
      actions: [
        'application-autoscaling:RegisterScalableTarget',
        'application-autoscaling:DeregisterScalableTarget',
        'application-autoscaling:DescribeScalableTargets',
        'application-autoscaling:PutScheduledAction',
        'application-autoscaling:DeleteScheduledAction',
        'application-autoscaling:DescribeScheduledActions',
        'application-autoscaling:TagResource',
        'application-autoscaling:UntagResource',
        'application-autoscaling:ListTagsForResource',
      ],
    },
    // Registering a SageMaker variant: Application Auto Scaling checks the caller may read and resize it.
    {
      scope: 'endpoint',
      actions: ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'],
    },
    { scope: 'sagemaker', actions: ['sagemaker:DescribeEndpointConfig'] },
    passRole('application-autoscaling.amazonaws.com'),
    {
      scope: 'serviceLinkedRole',
      actions: ['iam:CreateServiceLinkedRole'],
      service: 'sagemaker.application-autoscaling.amazonaws.com',
    },
  ],
  'AWS::ApplicationAutoScaling::ScalingPolicy': [
    {
      scope: 'unscoped',
      actions: [
        'application-autoscaling:PutScalingPolicy',
        'application-autoscaling:DeleteScalingPolicy',
        'application-autoscaling:DescribeScalingPolicies',
        'cloudwatch:DescribeAlarms',
      ],
    },
    // Target tracking: Application Auto Scaling creates and deletes its alarms with the caller's rights.
    { scope: 'scalingAlarm', actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'] },
  ],
};
