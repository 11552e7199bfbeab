/**
 * The network stack on its own (fast, no whole-app synth): the Session Manager interface endpoints (ssm, ssmmessages,
 * ec2messages: three endpoints in each AZ, ~$44 a month) exist only when the EC2 trainer does (spec
 * `training.ec2AmiId`), the only workload that uses them; the endpoints every workload needs are there either way.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PLATFORM_SPEC, type PlatformSpec } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { NetworkStack } from '../stacks/stacks.js';
import { DEFAULT_INTERFACE_ENDPOINTS, SESSION_MANAGER_ENDPOINTS } from './network.js';

function endpointServices(spec: PlatformSpec): string[] {
  const t = Template.fromStack(
    new NetworkStack(new App(), 'net', { spec, env: { region: spec.project.region } }),
  );
  return Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map((e) => {
    const name = JSON.stringify((e as { Properties: { ServiceName: unknown } }).Properties.ServiceName);
    return /\.([a-z0-9.]+)"\]*\}*\]*$/.exec(name.replace(/\\"/g, '"'))?.[1] ?? name;
  });
}

describe('interface endpoints follow the EC2 trainer', () => {
  it('without training.ec2AmiId (the default): no Session Manager endpoints', () => {
    expect(PLATFORM_SPEC.training.ec2AmiId).toBeUndefined();
    const services = endpointServices(PLATFORM_SPEC);
    for (const s of SESSION_MANAGER_ENDPOINTS) expect(services).not.toContain(s);
    for (const s of [...DEFAULT_INTERFACE_ENDPOINTS, 's3']) expect(services).toContain(s);
  });

  it('with training.ec2AmiId: ssm, ssmmessages and ec2messages too', () => {
    const services = endpointServices(specWith({ training: { ec2AmiId: 'ami-0123456789abcdef0' } }));
    for (const s of [...SESSION_MANAGER_ENDPOINTS, ...DEFAULT_INTERFACE_ENDPOINTS, 's3'])
      expect(services).toContain(s);
  });
});
