/** Runs every candidate policy over every trace and assembles the report (pure: inputs in, report out). */
import type { CandidatePolicy } from './simulate.js';
import { simulate } from './simulate.js';
import type { Trace } from './traces.js';
import { describePolicy } from './report/markdown.js';
import type { SimulationReport } from './report/model.js';

export interface RunInput {
  readonly traces: readonly Trace[];
  readonly policies: readonly CandidatePolicy[];
  readonly capacity: { readonly rps: number; readonly source: string };
  readonly price: { readonly instanceType: string; readonly usdPerHour: number; readonly source: string };
  readonly startupSeconds: number;
  readonly metricDelaySeconds: number;
}

export function runSimulations(input: RunInput): SimulationReport {
  const results = input.traces.flatMap((trace) =>
    input.policies.map((policy) =>
      simulate({
        trace,
        policy,
        capacityRps: input.capacity.rps,
        startupSeconds: input.startupSeconds,
        metricDelaySeconds: input.metricDelaySeconds,
        usdPerHour: input.price.usdPerHour,
      }),
    ),
  );
  return {
    inputs: {
      instanceType: input.price.instanceType,
      usdPerHour: input.price.usdPerHour,
      priceSource: input.price.source,
      capacityRps: input.capacity.rps,
      capacitySource: input.capacity.source,
      startupSeconds: input.startupSeconds,
      metricDelaySeconds: input.metricDelaySeconds,
      policies: input.policies.map((p) => ({ name: p.name, summary: describePolicy(p.autoscaling) })),
      traces: input.traces.map((t) => ({ name: t.name, startMs: t.startMs, minutes: t.perMinute.length })),
    },
    results,
  };
}
