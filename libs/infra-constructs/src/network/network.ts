import { aws_ec2 as ec2, aws_logs as logs, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { InfraPropsError } from '../errors.js';

/** Interface endpoints every private workload needs when there is no NAT (service short names). */
export const DEFAULT_INTERFACE_ENDPOINTS = [
  'sagemaker.runtime',
  'sagemaker.api',
  'sts',
  'logs',
  'ecr.api',
  'ecr.dkr',
] as const;

/** Session Manager needs these three when the instance has no route to the internet. */
export const SESSION_MANAGER_ENDPOINTS = ['ssm', 'ssmmessages', 'ec2messages'] as const;

export interface NetworkProps {
  /**
   * Number of availability zones (one private isolated subnet in each).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * CIDR of the VPC.
   * @default '10.40.0.0/16'
   */
  readonly cidr?: string;
  /**
   * Interface endpoints to create (service short names as in `com.amazonaws.REGION.<name>`).
   * @default DEFAULT_INTERFACE_ENDPOINTS plus SESSION_MANAGER_ENDPOINTS
   */
  readonly interfaceEndpoints?: readonly string[];
  /**
   * Days to keep the VPC flow logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * The VPC: private isolated subnets only (no internet gateway, no NAT), interface endpoints for the AWS APIs the
 * workloads call, an S3 gateway endpoint, and the security groups of each workload. The only ingress rules are
 * "workload → interface endpoints on 443".
 */
export class Network extends Construct {
  public readonly vpc: ec2.Vpc;
  /** The private isolated subnets every compute resource lives in. */
  public readonly privateSubnets: ec2.SubnetSelection;
  /** Guards the interface endpoints: ingress on 443 from the workload groups below, nothing else. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  /** The invoker Lambda: egress only to the interface endpoints on 443. */
  public readonly invokerSecurityGroup: ec2.SecurityGroup;
  /** SageMaker model containers: egress to the endpoints and S3 on 443. */
  public readonly modelSecurityGroup: ec2.SecurityGroup;
  /** SageMaker training jobs and the EC2 trainer: egress to the endpoints and S3 on 443, all traffic among themselves. */
  public readonly trainingSecurityGroup: ec2.SecurityGroup;
  public readonly interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpoint>;
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    if (!Number.isInteger(maxAzs) || maxAzs < 2) {
      throw new InfraPropsError(
        `Network: maxAzs must be an integer of at least 2 (got ${maxAzs}); SageMaker endpoints need two AZs`,
      );
    }
    const services = props.interfaceEndpoints ?? [
      ...DEFAULT_INTERFACE_ENDPOINTS,
      ...SESSION_MANAGER_ENDPOINTS,
    ];
    const missing = DEFAULT_INTERFACE_ENDPOINTS.filter((s) => !services.includes(s));
    if (missing.length > 0) {
      throw new InfraPropsError(
        `Network: interfaceEndpoints must include ${missing.join(', ')} (no NAT: the workloads reach AWS only through them)`,
      );
    }

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.40.0.0/16'),
      maxAzs,
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
      restrictDefaultSecurityGroup: true,
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    const sg = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc: this.vpc, description, allowAllOutbound: false });
    this.endpointSecurityGroup = sg('EndpointSg', 'Interface VPC endpoints: HTTPS from the workloads only');
    this.invokerSecurityGroup = sg('InvokerSg', 'Invoker Lambda: HTTPS to the interface endpoints only');
    this.modelSecurityGroup = sg('ModelSg', 'SageMaker models: HTTPS to the interface endpoints and S3');
    this.trainingSecurityGroup = sg('TrainingSg', 'Training jobs and the EC2 trainer');

    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const https = ec2.Port.tcp(443);
    for (const workload of [this.invokerSecurityGroup, this.modelSecurityGroup, this.trainingSecurityGroup]) {
      this.endpointSecurityGroup.addIngressRule(workload, https, 'HTTPS from a workload');
      workload.addEgressRule(this.endpointSecurityGroup, https, 'HTTPS to the interface endpoints');
    }
    // S3 is reached through the gateway endpoint, whose managed prefix list id differs per region and cannot be
    // read offline; the subnets are isolated (no internet gateway, no NAT), so 443 egress can only reach S3 there.
    for (const workload of [this.modelSecurityGroup, this.trainingSecurityGroup]) {
      workload.addEgressRule(
        ec2.Peer.anyIpv4(),
        https,
        'HTTPS to S3 through the gateway endpoint (isolated subnets: no other route)',
      );
    }
    this.trainingSecurityGroup.addIngressRule(
      this.trainingSecurityGroup,
      ec2.Port.allTraffic(),
      'Distributed training among the job instances',
    );
    this.trainingSecurityGroup.addEgressRule(
      this.trainingSecurityGroup,
      ec2.Port.allTraffic(),
      'Distributed training among the job instances',
    );

    this.interfaceEndpoints = {};
    for (const name of services) {
      const id = name.replace(/[^a-zA-Z0-9]/g, '');
      this.interfaceEndpoints[name] = this.vpc.addInterfaceEndpoint(id, {
        service: new ec2.InterfaceVpcEndpointAwsService(name),
        subnets: this.privateSubnets,
        privateDnsEnabled: true,
        securityGroups: [this.endpointSecurityGroup],
        open: false,
      });
    }
  }
}
