import { aws_iam as iam } from 'aws-cdk-lib';

/**
 * What SageMaker needs to attach a training job or an endpoint to private subnets (VpcConfig): it creates and
 * deletes network interfaces in them on the role's behalf. EC2 does not support resource-level permissions for
 * these describe/create calls on a not-yet-existing interface, hence `*`.
 */
export function sagemakerVpcAccessStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [
      'ec2:CreateNetworkInterface',
      'ec2:CreateNetworkInterfacePermission',
      'ec2:DeleteNetworkInterface',
      'ec2:DeleteNetworkInterfacePermission',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeVpcs',
      'ec2:DescribeDhcpOptions',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
    ],
    resources: ['*'],
  });
}
