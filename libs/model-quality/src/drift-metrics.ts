/**
 * The CloudWatch metrics `dogbreed-drift --publish-metrics` writes and the drift alarms read: one namespace, one set
 * of names and dimensions, written once so the publisher and the CDK alarms cannot drift apart themselves.
 */

/** `<project.name>/Drift`: apart from the invoker's EMF namespace (`project.name`), so its dashboards stay clean. */
export function driftMetricNamespace(projectName: string): string {
  return `${projectName}/Drift`;
}

/** Dimensions of every drift metric: the endpoint, and the variant read (`all` when every variant was). */
export const DRIFT_DIMENSIONS = { endpoint: 'EndpointName', variant: 'VariantName' } as const;

/** The variant dimension's value when the run read every variant of the endpoint. */
export const ALL_VARIANTS = 'all';

/** The published figures (unit None, except `Answers`: Count). A figure that could not be measured is not sent. */
export const DRIFT_METRICS = {
  answers: 'Answers',
  classMixPsi: 'ClassMixPsi',
  confidencePsi: 'ConfidencePsi',
  notADogRateIncrease: 'NotADogRateIncrease',
} as const;
