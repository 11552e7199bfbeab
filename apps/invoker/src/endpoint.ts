/** One InvokeEndpoint call and the mapping of its failures to HTTP errors. */
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  type SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import {
  ErrorBodySchema,
  formatCustomAttributes,
  HttpError,
  PredictionResponseSchema,
  type PredictionResponse,
} from '@dogbreed/platform-spec';
import { InternalError } from './errors.js';
import type { CheckedImage } from './image.js';

export interface EndpointResult {
  readonly prediction: PredictionResponse;
  /** `x-Amzn-Invoked-Production-Variant`. */
  readonly variant: string | undefined;
}

/**
 * The InvokeEndpoint request: the image's raw bytes as the body with its media type, top-K in SageMaker's
 * `CustomAttributes` (`X-Amzn-SageMaker-Custom-Attributes: topK=5`, forwarded unchanged to the container), which
 * reads it with `parseCustomAttributes`. No base64, no JSON envelope: the body is exactly the image.
 */
export function invokeEndpointInput(
  endpointName: string,
  image: CheckedImage,
  topK: number,
): InvokeEndpointCommandInput {
  return {
    EndpointName: endpointName,
    Body: image.bytes,
    ContentType: image.type,
    Accept: 'application/json',
    CustomAttributes: formatCustomAttributes({ topK }),
  };
}

export async function invokeEndpoint(
  client: SageMakerRuntimeClient,
  args: { endpointName: string; image: CheckedImage; topK: number; abortSignal?: AbortSignal },
): Promise<EndpointResult> {
  let out;
  try {
    out = await client.send(
      new InvokeEndpointCommand(invokeEndpointInput(args.endpointName, args.image, args.topK)),
      {
        abortSignal: args.abortSignal,
      },
    );
  } catch (err) {
    throw mapEndpointError(err);
  }
  return { prediction: parsePrediction(out.Body), variant: out.InvokedProductionVariant };
}

/** The model server's reply, validated: a contract break is a 502, never passed on unchecked. */
export function parsePrediction(body: Uint8Array | undefined): PredictionResponse {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body ?? new Uint8Array(0)).toString('utf8'));
  } catch (err) {
    throw new HttpError('BAD_MODEL_RESPONSE', 'The model returned a body that is not JSON', { cause: err });
  }
  const parsed = PredictionResponseSchema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError('BAD_MODEL_RESPONSE', 'The model returned an unexpected response', {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  OriginalStatusCode?: number;
  OriginalMessage?: string;
}

/**
 * A ModelError is the container's own non-2xx reply, relayed by SageMaker. Back-pressure (429/503) stays
 * retryable; the container refusing the input stays a client error (413/415/400); anything else is a 502.
 */
function mapModelError(status: number | undefined, detail: string, cause: unknown): HttpError {
  if (status === 429 || status === 503) {
    return new HttpError('MODEL_BUSY', `The model is busy; retry later (${detail})`, { cause });
  }
  if (status === 413)
    return new HttpError('IMAGE_TOO_LARGE', `The model refused the image size (${detail})`, { cause });
  if (status === 415) {
    return new HttpError('UNSUPPORTED_IMAGE_TYPE', `The model refused the image type (${detail})`, { cause });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new HttpError('MODEL_REJECTED_INPUT', `The model refused the image (${detail})`, { cause });
  }
  return new HttpError('MODEL_ERROR', `The model failed (${detail})`, { cause });
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/** The model server's own error code, if its message is an `ErrorBodySchema` JSON; its text is never passed on. */
export function modelErrorCode(originalMessage: string | undefined): string | undefined {
  if (!originalMessage) return undefined;
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(originalMessage));
    return parsed.success ? parsed.data.error.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SageMaker Runtime / SDK failures → HTTP errors (see README's table). Upstream messages are redacted: they can
 * name the account, the model's internals or the container's stack trace.
 */
export function mapEndpointError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const name = e.name ?? '';
  if (name === 'AbortError' || name === 'TimeoutError' || e.code === 'ETIMEDOUT') {
    return new HttpError('ENDPOINT_TIMEOUT', 'The endpoint did not answer in time', { cause: err });
  }
  if (name === 'ModelError') {
    const status = e.OriginalStatusCode;
    const modelCode = modelErrorCode(e.OriginalMessage);
    const detail = `status ${status ?? 'unknown'}${modelCode ? `, code ${modelCode}` : ''}`;
    return mapModelError(status, detail, err);
  }
  if (name === 'ModelNotReadyException') {
    return new HttpError('MODEL_NOT_READY', 'The model is not ready yet; retry later', { cause: err });
  }
  if (name === 'ServiceUnavailable') {
    return new HttpError('SERVICE_UNAVAILABLE', 'The endpoint is unavailable; retry later', {
      cause: err,
    });
  }
  if (THROTTLING.has(name) || e.$metadata?.httpStatusCode === 429) {
    return new HttpError('THROTTLED', 'The endpoint is throttling requests; retry later', { cause: err });
  }
  if (name === 'ValidationError') {
    return new HttpError(
      'ENDPOINT_REJECTED',
      'The endpoint rejected the call (misconfigured or missing endpoint)',
      {
        cause: err,
      },
    );
  }
  if (name === 'InternalFailure' || name === 'InternalDependencyException' || e.$fault === 'server') {
    return new HttpError('ENDPOINT_FAILURE', 'The endpoint failed to process the call', { cause: err });
  }
  return new InternalError({ cause: err });
}
