/** One InvokeEndpoint call and the mapping of its failures to HTTP errors. */
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  type SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import {
  formatCustomAttributes,
  type ErrorBody,
  HttpError,
  type PredictionResponse,
} from '@dogbreed/platform-spec';
import { InternalError } from './errors.js';
import type { CheckedImage } from './image.js';
import { loadSchemaChecks } from './load-schema-checks.js';
import { plainErrorBody, plainPrediction } from './prediction.js';

export interface EndpointResult {
  readonly prediction: PredictionResponse;
  /** `x-Amzn-Invoked-Production-Variant`. */
  readonly variant: string | undefined;
}

/**
 * The InvokeEndpoint request: the image's raw bytes as the body with its media type, top-K in SageMaker's
 * `CustomAttributes` (`X-Amzn-SageMaker-Custom-Attributes: topK=5`, forwarded unchanged to the container), which
 * reads it with `parseCustomAttributes`. No base64, no JSON envelope: the body is exactly the image.
 * `inferenceId` (the invocation's request id) goes to SageMaker's `InferenceId`, which data capture records for
 * every variant: it pairs the serving model's and a shadow candidate's answers to the same request.
 */
export function invokeEndpointInput(
  endpointName: string,
  image: CheckedImage,
  topK: number,
  inferenceId?: string,
): InvokeEndpointCommandInput {
  return {
    EndpointName: endpointName,
    Body: image.bytes,
    ContentType: image.type,
    Accept: 'application/json',
    CustomAttributes: formatCustomAttributes({ topK }),
    ...(inferenceId ? { InferenceId: inferenceId } : {}),
  };
}

export async function invokeEndpoint(
  client: SageMakerRuntimeClient,
  args: {
    endpointName: string;
    image: CheckedImage;
    topK: number;
    inferenceId?: string;
    abortSignal?: AbortSignal;
  },
): Promise<EndpointResult> {
  let out;
  try {
    out = await client.send(
      new InvokeEndpointCommand(
        invokeEndpointInput(args.endpointName, args.image, args.topK, args.inferenceId),
      ),
      {
        abortSignal: args.abortSignal,
      },
    );
  } catch (err) {
    throw mapEndpointError(err);
  }
  return { prediction: await parsePrediction(out.Body), variant: out.InvokedProductionVariant };
}

/** The model server's reply, validated: a contract break is a 502, never passed on unchecked. */
export async function parsePrediction(body: Uint8Array | undefined): Promise<PredictionResponse> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body ?? new Uint8Array(0)).toString('utf8'));
  } catch (err) {
    throw new HttpError('BAD_MODEL_RESPONSE', 'The model returned a body that is not JSON', { cause: err });
  }
  // The common reply skips zod (see prediction.ts); the schema judges, and explains, the rest.
  return plainPrediction(value) ?? (await loadSchemaChecks()).checkPrediction(value);
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

/** The model server's error body, if its message is an `ErrorBodySchema` JSON (checked by `plainErrorBody`). */
function modelErrorBody(originalMessage: string | undefined): ErrorBody['error'] | undefined {
  if (!originalMessage) return undefined;
  try {
    return plainErrorBody(JSON.parse(originalMessage))?.error;
  } catch {
    return undefined;
  }
}

/** The model server's own error code, if its message is an `ErrorBodySchema` JSON; its text is never passed on. */
export function modelErrorCode(originalMessage: string | undefined): string | undefined {
  return modelErrorBody(originalMessage)?.code;
}

/** Longest model-server message the invoker passes on (NOT_A_DOG's is one short sentence). */
const MAX_PASSED_MESSAGE = 300;

/**
 * The model server's 422 NOT_A_DOG is an answer about the photo, not a failure: the client gets the invoker's own
 * 422 NOT_A_DOG. Its message is the one upstream text passed on, because it says why (the dog probability and the
 * threshold) and the server writes it from numbers alone; it is still bounded.
 */
function notADog(originalMessage: string | undefined, cause: unknown): HttpError {
  const message = modelErrorBody(originalMessage)?.message.slice(0, MAX_PASSED_MESSAGE);
  return new HttpError('NOT_A_DOG', message || 'The photo does not look like a dog', { cause });
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
    if (status === 422 && modelCode === 'NOT_A_DOG') return notADog(e.OriginalMessage, err);
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
