/** Prices from the spec's table (`capacityPlanning.prices`) and what an inference costs at a given throughput. */
import type { CapacityPlanningSpec } from '@dogbreed/platform-spec';
import { CapacityPlanningError } from './errors.js';

export interface InstancePrice {
  readonly instanceType: string;
  readonly usdPerHour: number;
  readonly source: string;
  readonly region: string;
  readonly asOf: string;
}

/** The on-demand price of `instanceType`; fails naming the table when it has none. */
export function instancePrice(planning: CapacityPlanningSpec, instanceType: string): InstancePrice {
  const p = planning.prices.instances[instanceType];
  if (!p) {
    const known = Object.keys(planning.prices.instances).join(', ');
    throw new CapacityPlanningError(
      `no price for ${instanceType} in spec capacityPlanning.prices.instances (has ${known}); add one with its source`,
    );
  }
  return { instanceType, ...p, region: planning.prices.region, asOf: planning.prices.asOf };
}

/** USD per 1,000 inferences for one instance kept busy at `inferencesPerSecond`. */
export function usdPerThousandAtRate(usdPerHour: number, inferencesPerSecond: number): number {
  if (!(inferencesPerSecond > 0))
    throw new CapacityPlanningError(`throughput must be positive, got ${inferencesPerSecond}`);
  return (usdPerHour / (inferencesPerSecond * 3600)) * 1000;
}
