/** The simulation report: the inputs that decide the outcome, and one result per trace × policy. */
import type { SimulationResult } from '../simulate.js';

export interface SimulationReport {
  readonly inputs: {
    readonly instanceType: string;
    readonly usdPerHour: number;
    readonly priceSource: string;
    readonly capacityRps: number;
    readonly capacitySource: string;
    readonly startupSeconds: number;
    readonly metricDelaySeconds: number;
    readonly policies: readonly { readonly name: string; readonly summary: string }[];
    readonly traces: readonly { readonly name: string; readonly startMs: number; readonly minutes: number }[];
  };
  readonly results: readonly SimulationResult[];
}
