import { MODEL_SERVER_ENV, modelServerSettingsEnv, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { SAGEMAKER_MODEL_DIR } from '@dogbreed/platform-spec';
import { DEFAULT_HOST, effectiveThreads, resolveConfig, sessionsFor, soloThreadsFor } from './config.js';
import { StartupError } from './errors.js';

describe('resolveConfig', () => {
  it('takes every default from the spec when no variable is set', () => {
    const c = resolveConfig(PLATFORM_SPEC, {});
    const ms = PLATFORM_SPEC.modelServer;
    expect(c).toMatchObject({
      modelDir: SAGEMAKER_MODEL_DIR,
      host: DEFAULT_HOST,
      port: ms.port,
      intraOpThreads: ms.intraOpThreads,
      // The spec's 0: one single-threaded session per vCPU.
      inferenceSessions: sessionsFor(ms.inferenceSessions, ms.intraOpThreads),
      soloIntraOpThreads: soloThreadsFor(ms.soloIntraOpThreads, ms.intraOpThreads),
      soloSpinning: ms.soloSpinning,
      maxQueueDepth: ms.maxQueueDepth,
      maxBodyBytes: ms.maxBodyBytes,
      maxInputPixels: ms.maxInputPixels,
      batching: ms.batching,
      dog: ms.dog,
      defaultTopK: PLATFORM_SPEC.invoker.defaultTopK,
      maxTopK: PLATFORM_SPEC.invoker.maxTopK,
    });
  });

  it('follows a changed spec', () => {
    const spec = specWith({
      modelServer: { port: 9191, maxQueueDepth: 3, inferenceSessions: 2, batching: { enabled: true } },
    });
    const c = resolveConfig(spec, {});
    expect(c.port).toBe(9191);
    expect(c.inferenceSessions).toBe(2);
    expect(c.maxQueueDepth).toBe(3);
    expect(c.batching.enabled).toBe(true);
  });

  it('lets the environment override, with port 0 meaning any free port', () => {
    const c = resolveConfig(PLATFORM_SPEC, {
      [MODEL_SERVER_ENV.modelDir]: '/tmp/m',
      [MODEL_SERVER_ENV.host]: '127.0.0.1',
      [MODEL_SERVER_ENV.port]: '0',
      [MODEL_SERVER_ENV.intraOpThreads]: '2',
      [MODEL_SERVER_ENV.maxQueueDepth]: '5',
      [MODEL_SERVER_ENV.maxBodyBytes]: '1000',
      [MODEL_SERVER_ENV.batching]: 'on',
      [MODEL_SERVER_ENV.maxBatchSize]: '4',
      [MODEL_SERVER_ENV.maxBatchDelayMs]: '0',
      [MODEL_SERVER_ENV.logLevel]: 'warn',
      [MODEL_SERVER_ENV.inferenceSessions]: '3',
      [MODEL_SERVER_ENV.soloIntraOpThreads]: '5',
      [MODEL_SERVER_ENV.soloSpinning]: 'on',
      [MODEL_SERVER_ENV.dogThreshold]: '0.75',
      [MODEL_SERVER_ENV.dogPolicy]: 'refuse',
    });
    expect(c).toMatchObject({
      modelDir: '/tmp/m',
      host: '127.0.0.1',
      port: 0,
      intraOpThreads: 2,
      inferenceSessions: 3,
      soloIntraOpThreads: 5,
      soloSpinning: true,
      maxQueueDepth: 5,
      maxBodyBytes: 1000,
      batching: { enabled: true, maxBatchSize: 4, maxDelayMs: 0 },
      logLevel: 'warn',
      dog: { threshold: 0.75, policy: 'refuse' },
    });
  });

  it('reads the dog settings that modelServerSettingsEnv writes, so the spec reaches the server unchanged', () => {
    const spec = specWith({ modelServer: { dog: { threshold: 0.3, policy: 'refuse' } } });
    const c = resolveConfig(PLATFORM_SPEC, modelServerSettingsEnv(spec.modelServer));
    expect(c.dog).toEqual({ threshold: 0.3, policy: 'refuse' });
    expect(resolveConfig(PLATFORM_SPEC, { [MODEL_SERVER_ENV.dogThreshold]: '1' }).dog.threshold).toBe(1);
    expect(resolveConfig(PLATFORM_SPEC, { [MODEL_SERVER_ENV.dogThreshold]: '.5' }).dog.threshold).toBe(0.5);
  });

  it('reads the solo settings that modelServerSettingsEnv writes', () => {
    const spec = specWith({ modelServer: { intraOpThreads: 1, soloIntraOpThreads: 3, soloSpinning: true } });
    const c = resolveConfig(PLATFORM_SPEC, modelServerSettingsEnv(spec.modelServer));
    expect([c.soloIntraOpThreads, c.soloSpinning]).toEqual([3, true]);
  });

  it.each([
    [MODEL_SERVER_ENV.port, '70000'],
    [MODEL_SERVER_ENV.port, 'eighty'],
    [MODEL_SERVER_ENV.maxQueueDepth, '0'],
    [MODEL_SERVER_ENV.batching, 'maybe'],
    [MODEL_SERVER_ENV.intraOpThreads, '-1'],
    [MODEL_SERVER_ENV.inferenceSessions, 'two'],
    [MODEL_SERVER_ENV.soloIntraOpThreads, '1.5'],
    [MODEL_SERVER_ENV.soloSpinning, 'spin'],
    [MODEL_SERVER_ENV.dogThreshold, '1.5'],
    [MODEL_SERVER_ENV.dogThreshold, '-0.1'],
    [MODEL_SERVER_ENV.dogThreshold, 'half'],
    [MODEL_SERVER_ENV.dogPolicy, 'block'],
  ])('refuses %s=%s and names the variable', (name, value) => {
    expect(() => resolveConfig(PLATFORM_SPEC, { [name]: value })).toThrow(StartupError);
    expect(() => resolveConfig(PLATFORM_SPEC, { [name]: value })).toThrow(name);
  });
});

describe('effectiveThreads', () => {
  it('maps 0 to one thread per vCPU and keeps explicit counts', () => {
    expect(effectiveThreads(0, 6)).toBe(6);
    expect(effectiveThreads(3, 6)).toBe(3);
  });
});

describe('sessionsFor', () => {
  it('keeps an explicit count and fits 0 to the vCPUs at the effective intra-op threads', () => {
    expect(sessionsFor(3, 1, 2)).toBe(3);
    expect(sessionsFor(0, 1, 2)).toBe(2);
    expect(sessionsFor(0, 0, 4)).toBe(1);
    expect(sessionsFor(0, 2, 4)).toBe(2);
    expect(sessionsFor(0, 3, 2)).toBe(1);
  });
});

describe('soloThreadsFor', () => {
  it('gives the solo session every vCPU for 0, an explicit count as asked, and none when it adds no threads', () => {
    expect(soloThreadsFor(0, 1, 2)).toBe(2);
    expect(soloThreadsFor(0, 1, 8)).toBe(8);
    expect(soloThreadsFor(3, 1, 8)).toBe(3);
    expect(soloThreadsFor(0, 2, 2)).toBe(0);
    expect(soloThreadsFor(0, 0, 4)).toBe(0);
    expect(soloThreadsFor(2, 2, 8)).toBe(0);
    expect(soloThreadsFor(1, 1, 1)).toBe(0);
    expect(soloThreadsFor(0, 1, 1)).toBe(0);
  });
});
