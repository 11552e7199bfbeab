/**
 * The one check of a rollout against SageMaker's guardrails: issues with their field, bound and value, SageMaker's
 * rules told apart from the project's stricter ones, and the fleet a step is measured on.
 */
import { describe, expect, it } from 'vitest';
import { deploymentIssues, PLATFORM_SPEC, SAGEMAKER_GUARDRAILS, type DeploymentInput } from '../index.js';

const base = PLATFORM_SPEC.endpoints.single.deployment;
const check = (
  patch: Partial<DeploymentInput>,
  fleet: Parameters<typeof deploymentIssues>[1] = { smallest: 2 },
) => deploymentIssues({ ...base, ...patch }, fleet);

describe('deploymentIssues', () => {
  it('finds nothing in the default deployment', () => {
    expect(check({}, { smallest: 1 })).toEqual([]);
  });

  it('names the field, the guardrail and the value', () => {
    expect(check({ bakeSeconds: 4000 })).toContainEqual(
      expect.objectContaining({
        rule: 'range',
        origin: 'sagemaker',
        path: ['bakeSeconds'],
        value: 4000,
        bound: SAGEMAKER_GUARDRAILS.waitIntervalSeconds,
      }),
    );
  });

  it('tells the project’s stricter rules from SageMaker’s', () => {
    const issues = check({ bakeSeconds: 60, maxExecutionSeconds: 600, terminationWaitSeconds: 600 });
    expect(issues.map((i) => [i.rule, i.origin])).toEqual(
      expect.arrayContaining([
        ['alarm-window', 'project'],
        ['time-limit', 'project'],
      ]),
    );
    expect(issues.every((i) => i.origin === 'project')).toBe(true);
  });

  it('needs a fleet of two for a step when autoscaling may shrink it to one', () => {
    expect(check({ mode: 'canary' }, { smallest: 1 })).toEqual([
      expect.objectContaining({ rule: 'fleet', path: ['mode'], value: 1, bound: { min: 2 } }),
    ]);
    expect(check({ mode: 'canary' }, { smallest: 2 })).toEqual([]);
  });

  it('on a live fleet, needs a step of one whole instance and takes shares of instance counts', () => {
    expect(check({ mode: 'canary', canaryPercent: 10 }, { live: 5 })).toEqual([
      expect.objectContaining({ rule: 'fleet', path: ['canaryPercent'], bound: { min: 10 }, fleet: 5 }),
    ]);
    // One instance of three: not a whole percentage, and a valid canary.
    expect(check({ mode: 'canary', canaryPercent: 100 / 3 }, { live: 3 })).toEqual([]);
    expect(check({ mode: 'canary', canaryPercent: 100 / 3 }, { smallest: 3 })).toContainEqual(
      expect.objectContaining({ rule: 'range', path: ['canaryPercent'] }),
    );
  });

  it('counts the alarms the DeploymentConfig lists', () => {
    expect(check({ rollbackAlarmCount: 11 })).toContainEqual(
      expect.objectContaining({ rule: 'alarm-count', value: 11, bound: SAGEMAKER_GUARDRAILS.rollbackAlarms }),
    );
  });
});
