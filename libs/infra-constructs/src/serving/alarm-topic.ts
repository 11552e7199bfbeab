/**
 * The alarm topic: an SNS topic encrypted with its own customer-managed key whose policy lets CloudWatch use the key
 * (or alarms could not publish), with one e-mail subscription per address in the spec.
 */
import {
  ArnFormat,
  aws_iam as iam,
  aws_kms as kms,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  Stack,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { InfraPropsError } from '../errors.js';

export interface AlarmTopicProps {
  /** Topic name (fixed: people and tools find the topic by it). */
  readonly topicName: string;
  /**
   * Addresses to subscribe (each confirms by mail before it receives anything); empty = no subscription.
   * @default []
   */
  readonly emails?: readonly string[];
  /**
   * Names of the alarms that may publish start with this (CloudFormation names alarms `<stack name>-<id>-<suffix>`).
   * @default - `<stack name>-`
   */
  readonly alarmNamePrefix?: string;
}

/**
 * An SNS topic for CloudWatch alarm actions. SNS encrypts each message with a data key it asks KMS for on behalf of the
 * publisher, so the topic's customer-managed key must let `cloudwatch.amazonaws.com` call `kms:GenerateDataKey*` and
 * `kms:Decrypt`. The grant is as narrow as the documented condition keys allow: this account (`aws:SourceAccount`)
 * and alarms of this region and account whose names start with the prefix (`aws:SourceArn`; CloudWatch sets both on
 * these KMS calls). No encryption-context condition: AWS does not document the context SNS uses for CloudWatch's
 * publishes, and a wrong one would drop every alarm silently.
 */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(props.topicName)) {
      throw new InfraPropsError(
        `AlarmTopic: topicName must be 1-256 letters, digits, hyphens or underscores (got "${props.topicName}")`,
      );
    }
    const emails = props.emails ?? [];
    const bad = emails.filter((e) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e));
    if (bad.length > 0) throw new InfraPropsError(`AlarmTopic: not e-mail addresses: ${bad.join(', ')}`);
    if (new Set(emails).size !== emails.length)
      throw new InfraPropsError('AlarmTopic: an e-mail address is listed twice');
    const stack = Stack.of(this);
    const prefix = props.alarmNamePrefix ?? `${stack.stackName}-`;

    this.key = new kms.Key(this, 'Key', {
      description: `${props.topicName}: alarm topic encryption`,
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${prefix}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }
}
