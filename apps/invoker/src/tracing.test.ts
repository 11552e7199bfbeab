/**
 * Tracer loads only where Powertools would trace: in Lambda (AWS_EXECUTION_ENV) unless POWERTOOLS_TRACE_ENABLED is
 * false. Tracer itself reads `process.env`, so the cases set it (this file runs in its own worker: an enabled Tracer
 * instruments `http` globally).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTracer, tracingPossible } from './tracing.js';

const LAMBDA = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' };
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('tracingPossible', () => {
  it.each([
    [{}, false],
    [{ POWERTOOLS_TRACE_ENABLED: 'true' }, false],
    [LAMBDA, true],
    [{ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'true' }, true],
    [{ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' }, false],
    [{ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: ' FALSE ' }, false],
    [{ AWS_EXECUTION_ENV: '' }, false],
  ])('%j → %s', (env, expected) => {
    expect(tracingPossible(env)).toBe(expected);
  });
});

describe('loadTracer', () => {
  it('gives no Tracer outside Lambda or with tracing off (the X-Ray SDK is never imported)', async () => {
    process.env = { ...saved, AWS_EXECUTION_ENV: '' };
    expect(await loadTracer(process.env, 'svc')).toBeUndefined();
    process.env = { ...saved, ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' };
    expect(await loadTracer(process.env, 'svc')).toBeUndefined();
  });

  it("defers to Tracer's own rules where tracing is possible (SAM local: off)", async () => {
    process.env = { ...saved, ...LAMBDA, AWS_SAM_LOCAL: 'true' };
    expect(await loadTracer(process.env, 'svc')).toBeUndefined();
  });

  it('gives an enabled Tracer in Lambda', async () => {
    process.env = { ...saved, ...LAMBDA };
    delete process.env['AWS_SAM_LOCAL'];
    delete process.env['POWERTOOLS_TRACE_ENABLED'];
    const tracer = await loadTracer(process.env, 'svc');
    expect(tracer?.isTracingEnabled()).toBe(true);
  });
});
