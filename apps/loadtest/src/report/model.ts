import type { PlatformSpec } from '@dogbreed/platform-spec';
import type { CapacityResult } from '../capacity';
import type { ScenarioResult } from '../runner/k6-summary';
import type { Observation } from '../verify/observation';
import type { CheckResult } from '../verify/rules';

export interface Report {
  generatedAt: string;
  mode: 'local' | 'aws';
  target: string;
  spec: {
    endpoint: string;
    minInstances: number;
    maxInstances: number;
    metric: string;
    targetValue: number;
    scaleOutCooldownSeconds: number;
    scaleInCooldownSeconds: number;
    functionName: string;
    reservedConcurrency: number;
  };
  timeScale: number;
  scenarios: ScenarioResult[];
  checks: CheckResult[];
  observation?: Observation;
  capacity?: CapacityResult;
  passed: boolean;
}

export function buildReport(input: {
  spec: PlatformSpec;
  mode: 'local' | 'aws';
  target: string;
  endpointName: string;
  scenarios: ScenarioResult[];
  checks: CheckResult[];
  observation?: Observation;
  capacity?: CapacityResult;
  now?: Date;
}): Report {
  const { spec } = input;
  const a = spec.autoscaling;
  const capacityOk = !input.capacity || input.capacity.peakRps > 0;
  return {
    generatedAt: (input.now ?? new Date()).toISOString(),
    mode: input.mode,
    target: input.target,
    spec: {
      endpoint: input.endpointName,
      minInstances: a.minInstances,
      maxInstances: a.maxInstances,
      metric: a.metric,
      targetValue: a.targetValue,
      scaleOutCooldownSeconds: a.scaleOutCooldownSeconds,
      scaleInCooldownSeconds: a.scaleInCooldownSeconds,
      functionName: spec.invoker.functionName,
      reservedConcurrency: spec.invoker.reservedConcurrency,
    },
    timeScale: input.observation?.timeScale ?? 1,
    scenarios: input.scenarios,
    checks: input.checks,
    observation: input.observation,
    capacity: input.capacity,
    passed:
      input.scenarios.every((s) => s.passed && s.notes.every((n) => n.ok)) &&
      input.checks.every((c) => c.pass) &&
      capacityOk,
  };
}
