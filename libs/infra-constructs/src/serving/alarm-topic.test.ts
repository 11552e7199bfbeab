/**
 * The alarm topic on its own: CloudWatch may use the topic's key (else an alarm on a KMS-encrypted topic never
 * publishes), only for this account's alarms and this topic, decided by iam-simulate on the synthesized key policy;
 * and the spec's e-mail list becomes subscriptions.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveCfn, type PolicyDocument } from '../testing/template-policies.js';
import { InfraPropsError } from '../errors.js';
import { AlarmTopic } from './alarm-topic.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TOPIC = 'dogbreed-alarms';
const ALARM = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:dogbreed-serving-SingleErrors5xxA1B2-XYZ`;

function build(emails?: readonly string[]) {
  const app = new App();
  const stack = new Stack(app, 'dogbreed-serving', { env: { account: ACCOUNT, region: REGION } });
  const alarms = new AlarmTopic(stack, 'Alarms', { topicName: TOPIC, ...(emails ? { emails } : {}) });
  return { stack, alarms, template: Template.fromStack(stack) };
}

let keyPolicy: PolicyDocument;

beforeAll(() => {
  const { template } = build();
  const [key] = Object.values(template.findResources('AWS::KMS::Key'));
  keyPolicy = resolveCfn(key?.['Properties']['KeyPolicy'], {
    partition: 'aws',
    account: ACCOUNT,
    region: REGION,
  }) as unknown as PolicyDocument;
});

async function cloudWatchMay(
  action: string,
  context: { account?: string; alarm?: string } = {},
): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: 'cloudwatch.amazonaws.com',
        action,
        resource: {
          resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`,
          accountId: ACCOUNT,
        },
        contextVariables: {
          'aws:SourceAccount': context.account ?? ACCOUNT,
          'aws:SourceArn': context.alarm ?? ALARM,
        },
      },
      identityPolicies: [],
      resourcePolicy: keyPolicy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe('alarm topic key policy (iam-simulate)', () => {
  it('lets CloudWatch generate and decrypt data keys for the alarms of this stack', async () => {
    expect(await cloudWatchMay('kms:GenerateDataKey')).toBe('Allowed');
    expect(await cloudWatchMay('kms:Decrypt')).toBe('Allowed');
  });

  it("refuses another account's alarms and another stack's alarms", async () => {
    expect(await cloudWatchMay('kms:GenerateDataKey', { account: '999999999999' })).not.toBe('Allowed');
    expect(
      await cloudWatchMay('kms:GenerateDataKey', {
        alarm: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:someone-else`,
      }),
    ).not.toBe('Allowed');
  });

  it('grants CloudWatch nothing else on the key', async () => {
    for (const action of ['kms:Encrypt', 'kms:CreateGrant', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']) {
      expect(await cloudWatchMay(action), action).not.toBe('Allowed');
    }
  });
});

describe('subscriptions', () => {
  it('subscribes each spec address by e-mail to the topic', () => {
    const { template } = build(['ops@example.com', 'ml@example.com']);
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('an empty list subscribes nobody', () => {
    build([]).template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('refuses something that is not an address, or an address listed twice', () => {
    expect(() => build(['ops'])).toThrow(InfraPropsError);
    expect(() => build(['a@example.com', 'a@example.com'])).toThrow(InfraPropsError);
  });
});
