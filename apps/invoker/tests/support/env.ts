/**
 * The invoker's environment as a deployment writes it from a platform spec: `invokerSettingsEnv` (the mapping the
 * CDK construct and the local stack use) plus the endpoint names and the default endpoint. Tests and the benchmark
 * build the handler's configuration only through it, the way the handler gets it in Lambda.
 */
import { INVOKER_ENV, invokerSettingsEnv, type PlatformSpec } from '@dogbreed/platform-spec';
import { loadInvokerConfig, type InvokerConfig } from '../../src/config.js';

/** `spec`'s environment; an override set to undefined removes that variable. */
export function invokerEnvFor(spec: PlatformSpec, overrides: NodeJS.ProcessEnv = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    ...invokerSettingsEnv(spec.invoker, {
      namespace: spec.project.name,
      serviceName: spec.invoker.functionName,
    }),
    [INVOKER_ENV.endpointSingle]: spec.endpoints.single.name,
    [INVOKER_ENV.endpointMulti]: spec.endpoints.multi.name,
    [INVOKER_ENV.defaultEndpoint]: 'single',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The configuration the handler would load from `spec`'s environment (plus overrides). */
export function configFor(spec: PlatformSpec, overrides: NodeJS.ProcessEnv = {}): InvokerConfig {
  return loadInvokerConfig(invokerEnvFor(spec, overrides));
}
