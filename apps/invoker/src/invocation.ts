/** One invocation from event to result: parse, validate, read the image, call the endpoint, map. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { HttpError } from '@dogbreed/platform-spec';
import type { InvokerConfig } from './config.js';
import { invokeEndpoint, mapEndpointError } from './endpoint.js';
import { InternalError } from './errors.js';
import { parseEvent, type ImageSource } from './event.js';
import { checkBase64Image, checkImageBytes, type CheckedImage } from './image.js';
import { errorResult, successResult, type InvokerResult } from './response.js';
import { allowedS3Location, readS3Image } from './s3-input.js';
import { answerConfidence } from './telemetry.js';

export interface InvocationDeps {
  readonly config: InvokerConfig;
  readonly runtime: SageMakerRuntimeClient;
  /** Present only when the s3Uri input is configured. */
  readonly s3?: S3Client | undefined;
}

export interface InvocationContext {
  readonly requestId: string;
  /** Lambda's remaining time; the endpoint budget shrinks to fit it. */
  readonly remainingTimeMs?: number | undefined;
}

/** What the handler logs and measures. */
export interface InvocationOutcome {
  readonly result: InvokerResult;
  /** The endpoint chosen (absent when the request failed before choosing one). */
  readonly endpointName?: string | undefined;
  /** Time spent in InvokeEndpoint, when it was called. */
  readonly endpointMs?: number | undefined;
  /** The answer's quality signal (`answerConfidence`), when the endpoint answered with a prediction. */
  readonly answerConfidence?: number | undefined;
  readonly error?: HttpError | undefined;
}

/** Time kept back from the Lambda deadline to log, publish metrics and return. */
export const RESPONSE_RESERVE_MS = 500;

/** The endpoint time budget: the configured one, cut to what the function has left. */
export function endpointBudgetMs(
  config: Pick<InvokerConfig, 'endpointTimeoutMs'>,
  remainingTimeMs?: number,
): number {
  if (remainingTimeMs === undefined) return config.endpointTimeoutMs;
  return Math.max(1, Math.min(config.endpointTimeoutMs, remainingTimeMs - RESPONSE_RESERVE_MS));
}

async function loadImage(
  source: ImageSource,
  deps: InvocationDeps,
  maxBytes: number,
  abortSignal: AbortSignal,
): Promise<CheckedImage> {
  switch (source.kind) {
    case 'base64':
      return checkBase64Image(source.base64, maxBytes);
    case 'bytes':
      return checkImageBytes(source.bytes, maxBytes);
    case 's3': {
      const loc = allowedS3Location(source.uri, deps.config);
      if (!deps.s3)
        throw new InternalError({ cause: new Error('s3Uri input is configured but no S3 client exists') });
      return checkImageBytes(await readS3Image(deps.s3, loc, maxBytes, abortSignal), maxBytes);
    }
  }
}

export async function runInvocation(
  event: unknown,
  ctx: InvocationContext,
  deps: InvocationDeps,
): Promise<InvocationOutcome> {
  const { config } = deps;
  let endpointName: string | undefined;
  let endpointMs: number | undefined;
  try {
    const request = await parseEvent(event, config);
    endpointName = config.endpoints[request.endpoint];
    const abortSignal = AbortSignal.timeout(endpointBudgetMs(config, ctx.remainingTimeMs));
    const image = await loadImage(request.image, deps, config.maxImageBytes, abortSignal);
    const started = performance.now();
    try {
      const { prediction, variant } = await invokeEndpoint(deps.runtime, {
        endpointName,
        image,
        topK: request.topK,
        inferenceId: ctx.requestId,
        abortSignal,
      });
      endpointMs = performance.now() - started;
      const trimmed = { ...prediction, predictions: prediction.predictions.slice(0, request.topK) };
      return {
        result: successResult(trimmed, endpointName, ctx.requestId, variant),
        endpointName,
        endpointMs,
        answerConfidence: answerConfidence(prediction),
      };
    } finally {
      endpointMs ??= performance.now() - started;
    }
  } catch (err) {
    const error = err instanceof HttpError ? err : mapEndpointError(err);
    return { result: errorResult(error, ctx.requestId), endpointName, endpointMs, error };
  }
}
