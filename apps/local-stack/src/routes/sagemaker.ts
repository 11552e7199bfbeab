/**
 * SageMaker's routes: Runtime InvokeEndpoint (`POST /endpoints/{name}/invocations`) and the control plane
 * (`POST /` with `X-Amz-Target: SageMaker.*`, AWS JSON 1.1). They parse and answer; the endpoints and the control
 * plane do the work.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '@dogbreed/http-body';
import { OVERSIZE_BODY_MAX_DISCARD_BYTES, SAGEMAKER_RUNTIME_LIMITS } from '@dogbreed/platform-spec';
import { captureInvocation, captureRecord, captureRecorded } from '../endpoints/data-capture.js';
import { checkFrontDoorHeaders, oversizeBody } from '../endpoints/front-door.js';
import { invokeEndpoint } from '../endpoints/invoke-endpoint.js';
import { copyToShadow } from '../endpoints/shadow-copy.js';
import { AwsApiError } from '../errors.js';
import { header, sendJson } from '../http-util.js';
import type { RouteContext } from './context.js';

export const INVOKE_ENDPOINT_PATH = /^\/endpoints\/([^/]+)\/invocations$/;
/** InvokeEndpoint's `InferenceId` (the SDK's header): SageMaker copies it into the data-capture records. */
const INFERENCE_ID_HEADER = 'x-amzn-sagemaker-inference-id';
const SAGEMAKER_TARGET_PREFIX = 'SageMaker.';
const AWS_JSON = 'application/x-amz-json-1.1';

/** Whether a request names a SageMaker control-plane operation (the API has one path, `/`, for all of them). */
export function isControlPlaneRequest(req: IncomingMessage): boolean {
  return header(req, 'x-amz-target')?.startsWith(SAGEMAKER_TARGET_PREFIX) ?? false;
}

/** InvokeEndpoint: `params[0]` is the endpoint name. */
export async function invokeEndpointRoute(
  req: IncomingMessage,
  res: ServerResponse,
  { stack, requestId, params }: RouteContext,
): Promise<void> {
  const { spec } = stack;
  const name = decodeURIComponent(params[0] ?? '');
  const endpoint = stack.endpoints.get(name);
  if (!endpoint) {
    throw new AwsApiError(400, 'ValidationError', `Endpoint ${name} of account 000000000000 not found.`);
  }
  const headers = {
    contentType: header(req, 'content-type'),
    accept: header(req, 'accept'),
    customAttributes: header(req, 'x-amzn-sagemaker-custom-attributes'),
  };
  checkFrontDoorHeaders(headers);
  // The front door's limit, not the container's: a body between the two reaches the container, which refuses it.
  const body = await readBody(req, {
    limit: SAGEMAKER_RUNTIME_LIMITS.maxPayloadBytes,
    maxDiscardBytes: OVERSIZE_BODY_MAX_DISCARD_BYTES,
    tooLarge: () => oversizeBody(requestId),
  });
  const out = await invokeEndpoint(
    endpoint,
    { body, ...headers },
    { maxQueueDepth: spec.modelServer.maxQueueDepth, region: spec.project.region },
  );
  res.writeHead(200, {
    'content-type': out.contentType,
    'content-length': String(out.body.length),
    'x-amzn-requestid': requestId,
    ...out.headers,
  });
  res.end(out.body);
  // A shadow variant gets its copy only now, after the client has its answer: it can neither slow nor fail it.
  const copy = endpoint.shadowCopy();
  // SageMaker pairs the two variants' captures by the caller's InferenceId; a copied request without one gets the
  // request id, so every local pair matches.
  const inferenceId = header(req, INFERENCE_ID_HEADER) ?? (copy ? requestId : undefined);
  const inv = {
    endpointName: endpoint.name,
    variantName: endpoint.endpoint.variantName,
    eventId: requestId,
    ...(inferenceId !== undefined ? { inferenceId } : {}),
    input: { body, contentType: headers.contentType },
    output: { body: out.body, contentType: out.contentType },
  };
  if (!copy || inferenceId === undefined) return captureInvocation(spec, stack.log, inv);
  // Both sides of a copied request are captured whatever the capture sample says (see data-capture.ts).
  const at = new Date();
  const record = captureRecord({ ...inv, always: true }, at);
  copy.session.observe('serving', record);
  captureRecorded(spec, stack.log, { ...inv, always: true }, { record, at });
  void copyToShadow(
    copy,
    { body, ...headers },
    { spec, log: stack.log, endpointName: endpoint.name, inferenceId },
  );
}

/** AWS JSON 1.1: the operation in `X-Amz-Target`, the input and output JSON bodies. */
export async function controlPlaneRoute(
  req: IncomingMessage,
  res: ServerResponse,
  { stack, requestId }: RouteContext,
): Promise<void> {
  const plane = stack.controlPlane;
  const operation = (header(req, 'x-amz-target') ?? '').slice(SAGEMAKER_TARGET_PREFIX.length);
  if (!plane)
    throw new AwsApiError(400, 'UnknownOperationException', `SageMaker.${operation} is not served here.`);
  const raw = await readBody(req, {
    limit: SAGEMAKER_RUNTIME_LIMITS.maxPayloadBytes,
    maxDiscardBytes: OVERSIZE_BODY_MAX_DISCARD_BYTES,
    tooLarge: () => new AwsApiError(413, 'ValidationException', 'Request body too large.'),
  });
  let input: unknown = {};
  try {
    if (raw.length > 0) input = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AwsApiError(400, 'SerializationException', 'The request body is not valid JSON.');
  }
  const out = plane.handle(operation, input);
  stack.log(`SageMaker.${operation} ${JSON.stringify(input).slice(0, 200)}`);
  sendJson(res, 200, out, { 'content-type': AWS_JSON, 'x-amzn-requestid': requestId });
}
