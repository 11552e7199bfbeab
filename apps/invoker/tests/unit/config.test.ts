import { DEFAULT_SPEC, INVOKER_ENV } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/platform-spec/testing';
import { describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT_MS, endpointTimeouts, loadInvokerConfig, POWERTOOLS_ENV } from '../../src/config.js';
import { InvokerConfigError } from '../../src/errors.js';

describe('loadInvokerConfig', () => {
  it('defaults every value from the platform spec', () => {
    const spec = specWith({});
    const c = loadInvokerConfig({}, spec);
    expect(c.endpoints).toEqual({ single: spec.endpoints.single.name, multi: spec.endpoints.multi.name });
    expect(c).toMatchObject({
      defaultEndpoint: 'single',
      inputBucket: undefined,
      inputPrefix: spec.invoker.s3Input.prefix,
      maxRequestBytes: spec.invoker.maxRequestBytes,
      maxImageBytes: spec.invoker.maxImageBytes,
      maxEndpointBodyBytes: spec.modelServer.maxBodyBytes,
      defaultTopK: spec.invoker.defaultTopK,
      maxTopK: spec.invoker.maxTopK,
      endpointTimeoutMs: spec.invoker.endpointTimeoutMs,
      maxAttempts: spec.invoker.maxAttempts,
      serviceName: spec.invoker.functionName,
      metricNamespace: spec.project.name,
    });
  });

  it('follows a changed spec', () => {
    const spec = specWith({
      endpoints: { single: { name: 'other-single' } },
      invoker: { maxTopK: 7, defaultTopK: 2, maxAttempts: 4 },
    });
    const c = loadInvokerConfig({}, spec);
    expect(c.endpoints.single).toBe('other-single');
    expect(c).toMatchObject({ maxTopK: 7, defaultTopK: 2, maxAttempts: 4 });
  });

  it('takes the names and budgets the infra writes into the environment', () => {
    const c = loadInvokerConfig(
      {
        [INVOKER_ENV.endpointSingle]: 'ep-a',
        [INVOKER_ENV.endpointMulti]: 'ep-b',
        [INVOKER_ENV.defaultEndpoint]: 'multi',
        [INVOKER_ENV.inputBucket]: 'my-input-bucket',
        [INVOKER_ENV.inputPrefix]: 'uploads/',
        [INVOKER_ENV.endpointTimeoutMs]: '1234',
        [INVOKER_ENV.maxAttempts]: '3',
      },
      specWith({}),
    );
    expect(c).toMatchObject({
      endpoints: { single: 'ep-a', multi: 'ep-b' },
      defaultEndpoint: 'multi',
      inputBucket: 'my-input-bucket',
      inputPrefix: 'uploads/',
      endpointTimeoutMs: 1234,
      maxAttempts: 3,
    });
  });

  it('publishes metrics under the namespace and service name the infra sets (where its alarms look)', () => {
    const c = loadInvokerConfig(
      { [POWERTOOLS_ENV.metricNamespace]: 'other-project', [POWERTOOLS_ENV.serviceName]: 'other-invoker' },
      specWith({}),
    );
    expect(c).toMatchObject({ metricNamespace: 'other-project', serviceName: 'other-invoker' });
  });

  it.each([
    [POWERTOOLS_ENV.metricNamespace, ':reserved'],
    [INVOKER_ENV.endpointSingle, 'bad_name!'],
    [INVOKER_ENV.defaultEndpoint, 'both'],
    [INVOKER_ENV.inputBucket, 'Not A Bucket'],
    [INVOKER_ENV.endpointTimeoutMs, 'soon'],
    [INVOKER_ENV.maxAttempts, '0'],
  ])('fails fast naming %s when it is %j', (name, value) => {
    expect(() => loadInvokerConfig({ [name]: value }, specWith({}))).toThrow(
      expect.objectContaining({ name: 'InvokerConfigError', message: expect.stringContaining(name) }),
    );
  });

  it('refuses an endpoint budget that does not fit the function timeout', () => {
    const tooLong = String(DEFAULT_SPEC.invoker.timeoutSeconds * 1000);
    expect(() => loadInvokerConfig({ [INVOKER_ENV.endpointTimeoutMs]: tooLong }, specWith({}))).toThrow(
      InvokerConfigError,
    );
  });
});

describe('endpointTimeouts', () => {
  it('splits the budget so that every attempt fits inside it', () => {
    const spec = specWith({});
    const t = endpointTimeouts(spec.invoker);
    expect(t.perAttemptMs * spec.invoker.maxAttempts).toBeLessThanOrEqual(spec.invoker.endpointTimeoutMs);
    expect(t.connectMs).toBe(Math.min(t.perAttemptMs, CONNECT_TIMEOUT_MS));
    expect(endpointTimeouts({ endpointTimeoutMs: 900, maxAttempts: 3 })).toEqual({
      perAttemptMs: 300,
      connectMs: 300,
    });
  });
});
