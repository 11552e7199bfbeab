import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildSpec,
  ciSubjectClaim,
  endpointList,
  instanceDevice,
  listeningPort,
  loadPlatformSpec,
  MODEL_SERVER_ENV,
  modelServerSettingsEnv,
  PLATFORM_SPEC,
  pytorchTrainingImageUri,
  SpecOverrideError,
  SpecValidationError,
  trainingImageUriFor,
} from '../index.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecValidationError);
    return [...(err as SpecValidationError).issues];
  }
  throw new Error('expected a SpecValidationError');
}

describe('defaults', () => {
  it('names both endpoints with ml.m5.large and one initial instance', () => {
    expect(endpointList(PLATFORM_SPEC).map((e) => [e.name, e.instanceType, e.initialInstanceCount])).toEqual([
      ['dogbreed-single-instance', 'ml.m5.large', 1],
      ['dogbreed-multi-instance', 'ml.m5.large', 1],
    ]);
  });

  it('autoscales 1→4 on InvocationsPerInstance with 30 s out / 300 s in cooldowns', () => {
    expect(PLATFORM_SPEC.autoscaling).toMatchObject({
      minInstances: 1,
      maxInstances: 4,
      metric: 'SageMakerVariantInvocationsPerInstance',
      scaleOutCooldownSeconds: 30,
      scaleInCooldownSeconds: 300,
    });
    expect(PLATFORM_SPEC.autoscaling.targetValue).toBeGreaterThan(0);
  });

  it('reserves 7 concurrent invoker executions on nodejs22.x within Lambda payload limits', () => {
    expect(PLATFORM_SPEC.invoker.reservedConcurrency).toBe(7);
    expect(PLATFORM_SPEC.invoker.runtime).toBe('nodejs22.x');
    expect(PLATFORM_SPEC.invoker.maxRequestBytes).toBeLessThanOrEqual(6 * 1024 * 1024);
    expect(PLATFORM_SPEC.invoker.endpointTimeoutMs).toBeLessThan(PLATFORM_SPEC.invoker.timeoutSeconds * 1000);
  });

  it('trains on the spec instance types: notebook t3.medium, m5.xlarge / g4dn.xlarge, 2 instances for multi', () => {
    expect(PLATFORM_SPEC.training).toMatchObject({
      notebookInstanceType: 'ml.t3.medium',
      singleInstanceType: 'ml.m5.xlarge',
      multiInstanceType: 'ml.g4dn.xlarge',
      multiInstanceCount: 2,
    });
    expect(PLATFORM_SPEC.access.notebook.instanceType).toBe('ml.t3.medium');
  });

  it('gives each CI role the session its job needs: 6 h to follow training, 90 min to update endpoints or load-test', () => {
    const seconds = Object.fromEntries(
      Object.entries(PLATFORM_SPEC.ci.roles).map(([k, r]) => [k, r.maxSessionSeconds]),
    );
    expect(seconds).toEqual({
      validate: 3600,
      deployInfra: 3600,
      train: 21600,
      replay: 3600,
      approveModel: 3600,
      deployEndpoints: 5400,
      loadTest: 5400,
      drift: 3600,
    });
  });

  it('subscribes nobody to alarms and pins no AMI by default (no EC2 trainer until one is pinned)', () => {
    expect(PLATFORM_SPEC.alarms.emails).toEqual([]);
    expect(PLATFORM_SPEC.training.ec2AmiId).toBeUndefined();
    expect(PLATFORM_SPEC.training.ec2PythonPath).toBe('/opt/pytorch/bin/python');
    // INT8 stays off by default: it failed its guard on dogs-mini (training/README.md, Export: INT8).
    expect(PLATFORM_SPEC.training.export.precision).toBe('float32');
  });

  it('has a distinct CI role per stage', () => {
    const names = Object.values(PLATFORM_SPEC.ci.roles).map((r) => r.roleName);
    expect(new Set(names).size).toBe(Object.keys(PLATFORM_SPEC.ci.roles).length);
  });
});

describe('invalid overrides are rejected naming the field', () => {
  it.each([
    ['max < min', { autoscaling: { minInstances: 3, maxInstances: 2 } }, 'autoscaling.maxInstances'],
    [
      'negative cooldown',
      { autoscaling: { scaleInCooldownSeconds: -1 } },
      'autoscaling.scaleInCooldownSeconds',
    ],
    ['concurrency 0', { invoker: { reservedConcurrency: 0 } }, 'invoker.reservedConcurrency'],
    [
      'bad instance type',
      { endpoints: { single: { instanceType: 'm5.large' } } },
      'endpoints.single.instanceType',
    ],
    ['bad training type', { training: { singleInstanceType: 'ml.m5.huge' } }, 'training.singleInstanceType'],
    ['bad EC2 type', { training: { ec2InstanceType: 'ml.g4dn.xlarge' } }, 'training.ec2InstanceType'],
    [
      'same endpoint names',
      { endpoints: { multi: { name: 'dogbreed-single-instance' } } },
      'endpoints.multi.name',
    ],
    ['multi with 1 instance', { training: { multiInstanceCount: 1 } }, 'training.multiInstanceCount'],
    ['bad region', { project: { region: 'mars-1' } }, 'project.region'],
    ['bad principal', { access: { operators: ['alice'] } }, 'access.operators.0'],
    [
      'CI session over 12 h',
      { ci: { roles: { train: { roleName: 'r', maxSessionSeconds: 43201 } } } },
      'ci.roles.train.maxSessionSeconds',
    ],
    [
      'CI session under 1 h',
      { ci: { roles: { validate: { roleName: 'r', maxSessionSeconds: 900 } } } },
      'ci.roles.validate.maxSessionSeconds',
    ],
    [
      'not an OIDC provider ARN',
      { ci: { existingOidcProviderArn: 'arn:aws:iam::123456789012:role/x' } },
      'ci.existingOidcProviderArn',
    ],
    ['bad alarm e-mail', { alarms: { emails: ['ops'] } }, 'alarms.emails.0'],
    ['bad AMI id', { training: { ec2AmiId: 'latest' } }, 'training.ec2AmiId'],
    ['relative interpreter path', { training: { ec2PythonPath: 'python3' } }, 'training.ec2PythonPath'],
    [
      'unknown export precision',
      { training: { export: { precision: 'fp16' } } },
      'training.export.precision',
    ],
    [
      'agreement over 1',
      { training: { export: { int8: { minAgreement: 99 } } } },
      'training.export.int8.minAgreement',
    ],
    [
      'image over the model server body cap',
      { invoker: { maxImageBytes: 5 * 1024 * 1024 + 1 }, modelServer: { maxBodyBytes: 5 * 1024 * 1024 } },
      'invoker.maxImageBytes',
    ],
  ])('%s', (_name, override, field) => {
    const issues = issuesOf(() => buildSpec(override));
    expect(issues.map((i) => i.path)).toContain(field);
  });

  it('explains why the image limit must fit the model server body cap', () => {
    expect(() => buildSpec({ modelServer: { maxBodyBytes: 4 * 1024 * 1024 } })).toThrow(
      /invoker\.maxImageBytes: invoker\.maxImageBytes must not exceed modelServer\.maxBodyBytes/,
    );
    expect(
      buildSpec({ invoker: { maxImageBytes: 1000 }, modelServer: { maxBodyBytes: 1000 } }).invoker
        .maxImageBytes,
    ).toBe(1000);
  });

  it('puts the field in the message', () => {
    expect(() => buildSpec({ autoscaling: { minInstances: 3, maxInstances: 2 } })).toThrow(
      /autoscaling\.maxInstances: maxInstances must be greater than or equal to minInstances/,
    );
  });
});

describe('loadPlatformSpec', () => {
  it('applies file, then inline JSON, then explicit overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spec-'));
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify({ autoscaling: { maxInstances: 6, targetValue: 100 } }));
    const spec = loadPlatformSpec(
      { DOGBREED_SPEC_FILE: file, DOGBREED_SPEC_JSON: '{"autoscaling":{"targetValue":50}}' },
      { invoker: { reservedConcurrency: 3 } },
    );
    expect(spec.autoscaling.maxInstances).toBe(6);
    expect(spec.autoscaling.targetValue).toBe(50);
    expect(spec.invoker.reservedConcurrency).toBe(3);
    expect(spec.autoscaling.minInstances).toBe(1);
  });

  it('replaces arrays instead of merging them', () => {
    const principal = 'arn:aws:iam::123456789012:role/Admin';
    const spec = loadPlatformSpec({
      DOGBREED_SPEC_JSON: JSON.stringify({ access: { operators: [principal] } }),
    });
    expect(spec.access.operators).toEqual([principal]);
  });

  it('fails clearly on unreadable or malformed overrides', () => {
    expect(() => loadPlatformSpec({ DOGBREED_SPEC_FILE: '/nonexistent/spec.json' })).toThrow(
      SpecOverrideError,
    );
    expect(() => loadPlatformSpec({ DOGBREED_SPEC_JSON: '{not json' })).toThrow(
      /DOGBREED_SPEC_JSON is not valid JSON/,
    );
    expect(() => loadPlatformSpec({ DOGBREED_SPEC_JSON: '[1]' })).toThrow(/must be a JSON object/);
  });

  it('does not mutate the defaults', () => {
    loadPlatformSpec({ DOGBREED_SPEC_JSON: '{"autoscaling":{"maxInstances":9}}' });
    expect(buildSpec().autoscaling.maxInstances).toBe(4);
  });
});

describe('derived names', () => {
  it('trusts environments for gated stages and the deploy branch otherwise', () => {
    // The claim keys are repo, context and ref: a job without an environment has the ref as its context too.
    expect(ciSubjectClaim(PLATFORM_SPEC, 'validate')).toBe(
      'repo:dogbreed-org/dogbreed:ref:refs/heads/main:ref:refs/heads/main',
    );
    expect(ciSubjectClaim(PLATFORM_SPEC, 'deployInfra')).toBe(
      'repo:dogbreed-org/dogbreed:environment:infra:ref:refs/heads/main',
    );
  });

  it('builds region-aware PyTorch image URIs and tells GPU families apart', () => {
    expect(pytorchTrainingImageUri(PLATFORM_SPEC, 'eu-west-1', 'gpu')).toBe(
      '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker',
    );
    expect(instanceDevice('ml.g4dn.xlarge')).toBe('gpu');
    expect(instanceDevice('ml.p4d.24xlarge')).toBe('gpu');
    expect(instanceDevice('ml.m5.xlarge')).toBe('cpu');
  });

  it('picks one training image per mode from its instance type (multi runs on GPU)', () => {
    expect(trainingImageUriFor(PLATFORM_SPEC, 'single')).toContain(':2.3.0-cpu-py311');
    expect(trainingImageUriFor(PLATFORM_SPEC, 'multi')).toContain(':2.3.0-gpu-py311-cu121');
    expect(
      trainingImageUriFor(buildSpec({ training: { singleInstanceType: 'ml.g5.xlarge' } }), 'single'),
    ).toContain('-gpu-');
  });
});

describe('modelServerSettingsEnv', () => {
  it('maps every tuning setting of the spec to its env var, leaving where-to-listen and what-to-load to the writer', () => {
    const ms = buildSpec({
      modelServer: {
        intraOpThreads: 3,
        inferenceSessions: 2,
        soloIntraOpThreads: 4,
        soloSpinning: true,
        shrinkOnLoadMargin: 2,
        batching: { enabled: true, maxBatchSize: 16, maxDelayMs: 5 },
        dog: { threshold: 0.25, policy: 'refuse' },
      },
    }).modelServer;
    expect(modelServerSettingsEnv(ms)).toEqual({
      [MODEL_SERVER_ENV.intraOpThreads]: '3',
      [MODEL_SERVER_ENV.inferenceSessions]: '2',
      [MODEL_SERVER_ENV.soloIntraOpThreads]: '4',
      [MODEL_SERVER_ENV.soloSpinning]: 'true',
      [MODEL_SERVER_ENV.maxQueueDepth]: String(ms.maxQueueDepth),
      [MODEL_SERVER_ENV.maxBodyBytes]: String(ms.maxBodyBytes),
      [MODEL_SERVER_ENV.shrinkOnLoadMargin]: '2',
      [MODEL_SERVER_ENV.batching]: 'true',
      [MODEL_SERVER_ENV.maxBatchSize]: '16',
      [MODEL_SERVER_ENV.maxBatchDelayMs]: '5',
      [MODEL_SERVER_ENV.dogThreshold]: '0.25',
      [MODEL_SERVER_ENV.dogPolicy]: 'refuse',
    });
    expect(Object.keys(modelServerSettingsEnv(ms))).not.toContain(MODEL_SERVER_ENV.modelDir);
  });
});

describe('model-server process contract', () => {
  it('reads the port from the listening log line only', () => {
    expect(listeningPort('{"level":30,"msg":"listening","port":41234}')).toBe(41234);
    expect(listeningPort('{"msg":"loaded model"}')).toBeUndefined();
    expect(listeningPort('listening on 80')).toBeUndefined();
    expect(listeningPort('{broken')).toBeUndefined();
  });
});
