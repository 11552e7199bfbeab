/** The model server's HTTP handler: SageMaker's routes, negotiation, admission, and one JSON answer per request. */
import { CUSTOM_ATTRIBUTES_HEADER, HttpError } from '@dogbreed/platform-spec';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { drainBody, readBody } from './body.js';
import type { ServerConfig } from './config.js';
import { toErrorResponse } from './error-response.js';
import type { Logger } from './logger.js';
import type { ServingModel } from './model/model.js';
import { predict } from './predictor.js';
import { checkAccept, checkContentType, parseInvocation } from './request.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';

/** SageMaker's routes. */
export const ROUTES = {
  ping: '/ping',
  invocations: '/invocations',
  executionParameters: '/execution-parameters',
} as const;
const METHODS: Record<string, string> = {
  [ROUTES.ping]: 'GET',
  [ROUTES.invocations]: 'POST',
  [ROUTES.executionParameters]: 'GET',
};
const MIB = 1024 * 1024;
/** Node lower-cases header names. */
const CUSTOM_ATTRIBUTES_KEY = CUSTOM_ATTRIBUTES_HEADER.toLowerCase();

/** Mutable serving state shared by the lifecycle (server.ts) and the handler. */
export interface ServingState {
  model: ServingModel | undefined;
  shuttingDown: boolean;
  /** Invocations admitted and not yet answered. */
  inFlight: number;
}

/** GET /execution-parameters for batch transform, derived from the same settings the server runs with. */
export function executionParameters(config: ServerConfig) {
  return {
    MaxConcurrentTransforms: config.batching.enabled ? config.batching.maxBatchSize : 2,
    BatchStrategy: 'SINGLE_RECORD',
    MaxPayloadInMB: Math.max(1, Math.floor(config.maxBodyBytes / MIB)),
  };
}

/** Admitted invocations (queued + one running batch per session + decoding) beyond this are refused before the body is read. */
export function admissionLimit(config: ServerConfig): number {
  return (
    config.maxQueueDepth +
    config.inferenceSessions * (config.batching.enabled ? config.batching.maxBatchSize : 1)
  );
}

/** The headers of every answer: each is one JSON text, written whole, tagged with the request id. */
function jsonHeaders(text: string, requestId: string): OutgoingHttpHeaders {
  return {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    [REQUEST_ID_HEADER]: requestId,
  };
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, jsonHeaders(text, requestId));
  res.end(text);
}

/** Writes the whole answer at once and ends the response when `drained` settles (drainBody never rejects). */
function sendBeforeBodyEnds(
  res: ServerResponse,
  o: {
    readonly status: number;
    readonly body: unknown;
    readonly requestId: string;
    readonly drained: Promise<void>;
  },
): void {
  const text = JSON.stringify(o.body);
  res.writeHead(o.status, jsonHeaders(text, o.requestId));
  res.write(text);
  void o.drained.then(() => res.end());
}

/** The request handler: routing, negotiation, admission, error mapping and the access log. Logic lives in the modules it calls. */
export function createHandler(config: ServerConfig, state: ServingState, logger: Logger) {
  const limit = admissionLimit(config);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedAt = performance.now();
    const requestId = requestIdOf(req.headers);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const log = logger.child({ requestId });
    let admitted = false;
    let bodyRead = req.method === 'GET' || req.method === 'HEAD';
    try {
      const method = METHODS[path];
      if (!method)
        throw new HttpError('NOT_FOUND', `no route ${path}; routes are ${Object.values(ROUTES).join(', ')}`);
      if (req.method !== method)
        throw new HttpError('METHOD_NOT_ALLOWED', `${path} takes ${method}, not ${req.method}`);
      if (path === ROUTES.ping) {
        if (!state.model) throw new HttpError('MODEL_NOT_READY', 'model is loading or warming up');
        send(res, 200, { status: 'Healthy', modelVersion: state.model.metadata.modelVersion }, requestId);
      } else if (path === ROUTES.executionParameters) {
        send(res, 200, executionParameters(config), requestId);
      } else {
        checkAccept(req.headers.accept);
        const contentType = checkContentType(req.headers['content-type']);
        const model = state.model;
        if (state.shuttingDown) throw new HttpError('SHUTTING_DOWN', 'server is shutting down');
        if (!model) throw new HttpError('MODEL_NOT_READY', 'model is loading or warming up');
        if (state.inFlight >= limit)
          throw new HttpError(
            'QUEUE_FULL',
            `server is at its limit of ${limit} requests in flight; retry later`,
          );
        state.inFlight++;
        admitted = true;
        const body = await readBody(req, config.maxBodyBytes);
        bodyRead = true;
        const attributes = req.headers[CUSTOM_ATTRIBUTES_KEY];
        const invocation = parseInvocation(
          contentType,
          body,
          config,
          Array.isArray(attributes) ? attributes.join(',') : attributes,
        );
        const response = await predict(model, invocation.image, {
          topK: invocation.topK,
          maxInputPixels: config.maxInputPixels,
          shrinkOnLoadMargin: config.shrinkOnLoadMargin,
          startedAt,
          dog: config.dog,
        });
        send(res, 200, response, requestId);
      }
      const fields = { method: req.method, path, status: res.statusCode, ms: performance.now() - startedAt };
      if (path === ROUTES.invocations) log.info(fields, 'invocation');
      else log.debug(fields, 'request');
    } catch (err) {
      const r = toErrorResponse(err, requestId);
      if (!res.headersSent) {
        if (bodyRead) send(res, r.statusCode, r.body, requestId);
        // Refused from the headers alone (415, 406, 503...): the answer goes out now, but the response ends only
        // once the rest of the body is drained. Node closes a connection whose response finishes while the request
        // is still arriving, and a client that sends the whole body before reading (Python's urllib) would see a
        // reset instead of the error.
        else
          sendBeforeBodyEnds(res, {
            status: r.statusCode,
            body: r.body,
            requestId,
            drained: drainBody(req, config.maxBodyBytes),
          });
      }
      const fields = {
        method: req.method,
        path,
        status: r.statusCode,
        code: r.body.error.code,
        ms: performance.now() - startedAt,
      };
      if (r.logLevel === 'error') log.error({ ...fields, err }, 'request failed');
      else log[r.logLevel](fields, r.body.error.message);
    } finally {
      if (admitted) state.inFlight--;
    }
  };
}
