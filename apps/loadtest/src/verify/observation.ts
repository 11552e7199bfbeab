/**
 * What really happened during a run, normalised from either source (the local stack's metrics API or AWS's
 * Application Auto Scaling, SageMaker and CloudWatch). The verifier's rules and the report read only this.
 */

export interface InstancePoint {
  /** Epoch ms. */
  t: number;
  instances: number;
}

export interface ActivityRecord {
  /** When the new desired count was set, epoch ms. */
  t: number;
  direction: 'out' | 'in' | 'replace';
  fromDesired?: number;
  toDesired: number;
  cause: string;
}

export interface ValuePoint {
  t: number;
  value: number;
}

export interface EndpointObservation {
  name: string;
  /** InService instance counts over time (locally per period; on AWS from fulfilled scaling activities). */
  instanceSeries: InstancePoint[];
  activities: ActivityRecord[];
  /** Instance count now (DescribeEndpoint CurrentInstanceCount / the local pool). */
  currentInstances: number;
  invocationsPerInstance: ValuePoint[];
}

export interface LambdaObservation {
  functionName: string;
  /** Highest concurrent executions observed in the window. */
  maxConcurrentExecutions: number;
  /** Throttled invocations in the window. */
  throttles: number;
  concurrencySeries: ValuePoint[];
  throttleSeries: ValuePoint[];
}

export interface Observation {
  source: 'local' | 'aws';
  /** Real seconds per spec second (1 on AWS). */
  timeScale: number;
  window: { start: number; end: number };
  endpoint: EndpointObservation;
  lambda: LambdaObservation;
}
