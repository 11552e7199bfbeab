import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackName } from '@dogbreed/infra-constructs';
import {
  PLATFORM_SPEC,
  ROLLBACK_ALARM_KINDS,
  rollbackAlarmName,
  TRAFFIC_ROUTING_TYPE,
} from '@dogbreed/platform-spec';
import { toolPaths, workspaceRoot } from '@dogbreed/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const appDir = join(workspaceRoot(), 'apps', 'infra');
const out = mkdtempSync(join(tmpdir(), 'infra-synth-'));
let templates: string[] = [];

// One real `cdk synth` through the CLI (cdk.json's app command), with no AWS credentials in the environment.
beforeAll(() => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const r = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out], {
    cwd: appDir,
    env: { ...env, CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cdk synth failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  templates = readdirSync(out)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => join(out, f));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('nx run infra:synth (offline, no credentials)', () => {
  it('writes one template per stack', () => {
    const names = templates.map((t) => t.split('/').pop());
    for (const part of ['network', 'data', 'training', 'serving', 'ci']) {
      expect(names).toContain(`${PLATFORM_SPEC.project.name}-${part}.template.json`);
    }
  });

  it('cfn-lint is clean on every synthesized template', () => {
    // W3005 (a DependsOn already implied by a GetAtt) is emitted for CDK's own Lambda and custom-resource constructs.
    let output = '';
    try {
      output = execFileSync(toolPaths.cfnLint(), ['--ignore-checks', 'W3005', '--', ...templates], {
        encoding: 'utf8',
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`cfn-lint found problems:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    expect(output.trim()).toBe('');
  });
});

describe('the synthesized serving stack (what `cdk deploy` sends)', () => {
  type Resource = { Type: string; Properties: Record<string, unknown> };
  const serving = () => {
    const file = templates.find((t) => t.endsWith(`${stackName(PLATFORM_SPEC, 'serving')}.template.json`));
    if (!file) throw new Error('no serving template');
    return (JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
  };

  it('updates each endpoint blue/green as its spec says, rolled back by its three named alarms', () => {
    const resources = serving();
    for (const ep of [PLATFORM_SPEC.endpoints.single, PLATFORM_SPEC.endpoints.multi]) {
      const endpoint = Object.values(resources).find(
        (r) => r.Type === 'AWS::SageMaker::Endpoint' && r.Properties['EndpointName'] === ep.name,
      );
      const config = endpoint?.Properties['DeploymentConfig'] as {
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: Record<string, unknown> };
        AutoRollbackConfiguration: { Alarms: { AlarmName: { Ref: string } }[] };
      };
      expect(endpoint?.Properties['RetainAllVariantProperties']).toBe(true);
      expect(config.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toMatchObject({
        Type: TRAFFIC_ROUTING_TYPE[ep.deployment.mode],
        WaitIntervalInSeconds: ep.deployment.bakeSeconds,
      });
      const names = config.AutoRollbackConfiguration.Alarms.map(
        (a) => resources[a.AlarmName.Ref]?.Properties['AlarmName'],
      );
      expect(names).toEqual(
        ROLLBACK_ALARM_KINDS.map((kind) =>
          rollbackAlarmName(stackName(PLATFORM_SPEC, 'serving'), ep.name, kind),
        ),
      );
    }
  });
});
