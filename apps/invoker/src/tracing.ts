/**
 * Powertools' Tracer, loaded only where it can trace. Importing it evaluates the X-Ray SDK (about a fifth of the
 * bundle's start-up), which is wasted wherever Tracer would disable itself: outside Lambda and with
 * `POWERTOOLS_TRACE_ENABLED=false` (the local stack, tests, the benchmark).
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * False exactly where Tracer turns itself off whatever else is set: `POWERTOOLS_TRACE_ENABLED=false`, or no
 * `AWS_EXECUTION_ENV` (not in Lambda). Where this is true, Tracer still applies its other rules (SAM local, Amplify).
 */
export function tracingPossible(env: NodeJS.ProcessEnv): boolean {
  const flag = env['POWERTOOLS_TRACE_ENABLED']?.trim().toLowerCase();
  return flag !== 'false' && (env['AWS_EXECUTION_ENV'] ?? '') !== '';
}

/** A Tracer when tracing is on in this environment, else undefined (and the X-Ray SDK never loaded). */
export async function loadTracer(env: NodeJS.ProcessEnv, serviceName: string): Promise<Tracer | undefined> {
  if (!tracingPossible(env)) return undefined;
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  const tracer = new Tracer({ serviceName });
  return tracer.isTracingEnabled() ? tracer : undefined;
}
