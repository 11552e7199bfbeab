/**
 * The invoker's configuration comes from its environment alone, written from the platform spec by
 * `invokerSettingsEnv` (the construct's and the local stack's mapping): every spec number arrives, and a missing or
 * bad variable fails at init with its name.
 */
import { INVOKER_ENV } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT_MS, endpointTimeouts, INVOKER_ENV_RULES, loadInvokerConfig } from './config.js';
import { invokerEnvFor } from '../tests/support/env.js';

describe('loadInvokerConfig', () => {
  it('reads every spec value the writers put into the environment', () => {
    const spec = specWith({});
    const c = loadInvokerConfig(invokerEnvFor(spec));
    expect(c).toEqual({
      endpoints: { single: spec.endpoints.single.name, multi: spec.endpoints.multi.name },
      defaultEndpoint: 'single',
      inputBucket: undefined,
      inputPrefix: spec.invoker.s3Input.prefix,
      maxRequestBytes: spec.invoker.maxRequestBytes,
      maxImageBytes: spec.invoker.maxImageBytes,
      defaultTopK: spec.invoker.defaultTopK,
      maxTopK: spec.invoker.maxTopK,
      endpointTimeoutMs: spec.invoker.endpointTimeoutMs,
      maxAttempts: spec.invoker.maxAttempts,
      serviceName: spec.invoker.functionName,
      metricNamespace: spec.project.name,
    });
  });

  it('follows a changed spec through the environment', () => {
    const spec = specWith({
      project: { name: 'other-project' },
      endpoints: { single: { name: 'other-single' } },
      invoker: {
        maxTopK: 7,
        defaultTopK: 2,
        maxAttempts: 4,
        maxImageBytes: 1000,
        s3Input: { prefix: 'up/' },
      },
    });
    expect(loadInvokerConfig(invokerEnvFor(spec))).toMatchObject({
      endpoints: { single: 'other-single' },
      maxTopK: 7,
      defaultTopK: 2,
      maxAttempts: 4,
      maxImageBytes: 1000,
      inputPrefix: 'up/',
      metricNamespace: 'other-project',
    });
  });

  it('turns the s3Uri input on only with a bucket', () => {
    const env = invokerEnvFor(specWith({}), {
      [INVOKER_ENV.inputBucket]: 'my-input-bucket',
      [INVOKER_ENV.defaultEndpoint]: 'multi',
    });
    expect(loadInvokerConfig(env)).toMatchObject({
      inputBucket: 'my-input-bucket',
      defaultEndpoint: 'multi',
    });
    expect(loadInvokerConfig({ ...env, [INVOKER_ENV.inputBucket]: '' }).inputBucket).toBeUndefined();
  });

  it('reads exactly the names in INVOKER_ENV (the list the construct test checks it writes)', () => {
    expect(Object.keys(INVOKER_ENV_RULES).sort()).toEqual(Object.values(INVOKER_ENV).sort());
  });

  it.each(Object.values(INVOKER_ENV).filter((name) => name !== INVOKER_ENV.inputBucket))(
    'fails at init naming %s when it is not set',
    (name) => {
      const env = invokerEnvFor(specWith({}), { [name]: undefined });
      expect(() => loadInvokerConfig(env)).toThrow(
        expect.objectContaining({
          name: 'InvokerConfigError',
          message: expect.stringContaining(`${name} is not set`),
        }),
      );
    },
  );

  it.each([
    [INVOKER_ENV.metricNamespace, ':reserved'],
    [INVOKER_ENV.endpointSingle, 'bad_name!'],
    [INVOKER_ENV.defaultEndpoint, 'both'],
    [INVOKER_ENV.inputBucket, 'Not A Bucket'],
    [INVOKER_ENV.endpointTimeoutMs, 'soon'],
    [INVOKER_ENV.maxAttempts, '0'],
    [INVOKER_ENV.maxTopK, '-1'],
    [INVOKER_ENV.maxImageBytes, '4.5'],
  ])('fails fast naming %s when it is %j', (name, value) => {
    expect(() => loadInvokerConfig(invokerEnvFor(specWith({}), { [name]: value }))).toThrow(
      expect.objectContaining({
        name: 'InvokerConfigError',
        message: expect.stringContaining(`${name}=${JSON.stringify(value)}`),
      }),
    );
  });

  it('refuses a default top-K above the maximum and an image limit above the request limit', () => {
    const env = invokerEnvFor(specWith({}));
    expect(() =>
      loadInvokerConfig({ ...env, [INVOKER_ENV.defaultTopK]: '21', [INVOKER_ENV.maxTopK]: '20' }),
    ).toThrow(new RegExp(`${INVOKER_ENV.defaultTopK}=21 must not exceed`));
    expect(() =>
      loadInvokerConfig({ ...env, [INVOKER_ENV.maxImageBytes]: '200', [INVOKER_ENV.maxRequestBytes]: '100' }),
    ).toThrow(new RegExp(`${INVOKER_ENV.maxImageBytes}=200 must not exceed`));
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
