/**
 * One invocation of one side: POST /invocations with the request's body and content type, Accept application/json,
 * timed on the client from the first byte sent to the last byte read (what a caller waits for, network and JSON
 * included, measured the same way on both sides). Failures are outcomes, not exceptions: the replay counts them.
 */
import { performance } from 'node:perf_hooks';
import { ErrorBodySchema, PredictionResponseSchema } from '@dogbreed/platform-spec';
import type { ReplayRequest } from './requests.js';

export type Outcome =
  | {
      readonly ok: true;
      /** The top-1 class as the model names it. */
      readonly label: string;
      readonly confidence: number;
      readonly latencyMs: number;
      readonly modelVersion: string;
    }
  | { readonly ok: false; readonly error: string; readonly latencyMs: number };

/** `http://host:port` (a trailing slash or `/invocations` allowed) → the invocations URL. */
export function invocationsUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/invocations') ? trimmed : `${trimmed}/invocations`;
}

/** Reads a model server's answer: the top-1 prediction, or why there is none. */
export function readAnswer(
  status: number,
  text: string,
): { ok: true; label: string; confidence: number; modelVersion: string } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `HTTP ${status}: response is not JSON (${text.slice(0, 80)})` };
  }
  if (status !== 200) {
    const err = ErrorBodySchema.safeParse(json);
    return {
      ok: false,
      error: err.success
        ? `HTTP ${status} ${err.data.error.code}: ${err.data.error.message}`
        : `HTTP ${status}`,
    };
  }
  const body = PredictionResponseSchema.safeParse(json);
  if (!body.success)
    return { ok: false, error: `HTTP 200 but not a prediction response: ${body.error.message}` };
  const top = body.data.predictions[0];
  if (!top) return { ok: false, error: 'HTTP 200 with no predictions' };
  return { ok: true, label: top.label, confidence: top.probability, modelVersion: body.data.modelVersion };
}

export async function invoke(baseUrl: string, request: ReplayRequest, timeoutMs: number): Promise<Outcome> {
  const body = request.body();
  const started = performance.now();
  try {
    const res = await fetch(invocationsUrl(baseUrl), {
      method: 'POST',
      headers: { 'content-type': request.contentType, accept: 'application/json' },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const latencyMs = performance.now() - started;
    const answer = readAnswer(res.status, text);
    return { ...answer, latencyMs };
  } catch (err) {
    const e = err as Error;
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message;
    return { ok: false, error: reason, latencyMs: performance.now() - started };
  }
}
