/**
 * Event parsing: a Lambda function URL / API Gateway HTTP API (payload 2.0) event, or a direct-invoke event
 * carrying the JSON request itself, becomes one `InvokeRequest`. Pure.
 */
import { type EndpointChoice, HttpError, isEndpointChoice } from '@dogbreed/platform-spec';
import type { InvokerConfig } from './config.js';
import { MethodNotAllowedError } from './errors.js';
import { loadSchemaChecks } from './load-schema-checks.js';
import type { HttpEvent, JsonRequest, QueryOptions } from './schema-checks.js';

/** Where the image comes from: base64 text (JSON `image` or a raw body) or an object in the input bucket. */
export type ImageSource =
  | { readonly kind: 'base64'; readonly base64: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 's3'; readonly uri: string };

export interface InvokeRequest {
  /** `http` for function URL / HTTP API events, `direct` for Lambda Invoke with the JSON as the event. */
  readonly eventKind: 'http' | 'direct';
  readonly image: ImageSource;
  readonly topK: number;
  readonly endpoint: EndpointChoice;
}

const isFields = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** What `z.record(z.string(), z.string())` takes: a plain object of strings. */
function isStringRecord(v: unknown): v is Record<string, string> {
  if (!isFields(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in v) if (typeof v[key] !== 'string') return false;
  return true;
}
const optional = <T>(v: unknown, is: (v: unknown) => v is T): v is T | undefined => v === undefined || is(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/**
 * A function URL / HTTP API event checked without zod, as `plainJsonRequest` does for the request: only what the
 * schema (`schema-checks.ts`) accepts, as the fields the invoker reads; undefined hands the event to the schema.
 */
function plainHttpEvent(event: unknown): HttpEvent | undefined {
  if (!isFields(event) || !isFields(event['requestContext'])) return undefined;
  const { version, headers, queryStringParameters, body, isBase64Encoded } = event;
  const { requestId, http } = event['requestContext'];
  if (!isString(requestId) || !optional(http, isFields) || !optional(http?.['method'], isString))
    return undefined;
  if (http && http['method'] === undefined) return undefined;
  if (!optional(version, isString) || !optional(body, isString) || !optional(isBase64Encoded, isBoolean))
    return undefined;
  if (!optional(headers, isStringRecord) || !optional(queryStringParameters, isStringRecord))
    return undefined;
  return {
    version,
    headers,
    queryStringParameters,
    body,
    isBase64Encoded,
    requestContext: { requestId, http: http ? { method: http['method'] as string } : undefined },
  };
}

/** A function URL / HTTP API event has `requestContext` plus headers or a body; a direct invoke has neither. */
export function isHttpEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const e = event as Record<string, unknown>;
  return (
    typeof e['requestContext'] === 'object' && e['requestContext'] !== null && ('headers' in e || 'body' in e)
  );
}

/** The request id to put in error bodies: the HTTP API's, else the Lambda invocation's. */
export function eventRequestId(event: unknown, fallback: string): string {
  if (!isHttpEvent(event)) return fallback;
  const id = (event as { requestContext: { requestId?: unknown } }).requestContext.requestId;
  return typeof id === 'string' && id.length > 0 ? id : fallback;
}

const JSON_REQUEST_KEYS = new Set(['image', 's3Uri', 'topK', 'endpoint']);

/**
 * The common request checked without zod: an object of known keys, each of the right type and range, exactly one
 * of `image` and `s3Uri`. It only accepts what `jsonRequestSchema` accepts; anything else (undefined) goes to the
 * schema, which decides and words the error. The schema's run costs several times this on every request, and
 * loading zod at all would land in the cold start.
 */
function plainJsonRequest(value: unknown, maxTopK: number): JsonRequest | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  for (const key in r) if (!JSON_REQUEST_KEYS.has(key)) return undefined;
  const { image, s3Uri, topK, endpoint } = r;
  if (image !== undefined && typeof image !== 'string') return undefined;
  if (s3Uri !== undefined && (typeof s3Uri !== 'string' || s3Uri.length === 0)) return undefined;
  if ((image === undefined) === (s3Uri === undefined)) return undefined;
  if (
    topK !== undefined &&
    !(Number.isSafeInteger(topK) && (topK as number) >= 1 && (topK as number) <= maxTopK)
  )
    return undefined;
  if (endpoint !== undefined && !isEndpointChoice(endpoint)) return undefined;
  return { image, s3Uri, topK: topK as number | undefined, endpoint: endpoint as EndpointChoice | undefined };
}

/** Validates a JSON request object (from a body or a direct invoke). */
export async function parseJsonRequest(
  value: unknown,
  config: Pick<InvokerConfig, 'maxTopK' | 'defaultTopK' | 'defaultEndpoint'>,
  eventKind: InvokeRequest['eventKind'],
): Promise<InvokeRequest> {
  const r =
    plainJsonRequest(value, config.maxTopK) ??
    (await loadSchemaChecks()).checkJsonRequest(value, config.maxTopK);
  return {
    eventKind,
    image: r.s3Uri !== undefined ? { kind: 's3', uri: r.s3Uri } : { kind: 'base64', base64: r.image ?? '' },
    topK: r.topK ?? config.defaultTopK,
    endpoint: r.endpoint ?? config.defaultEndpoint,
  };
}

const QUERY_KEYS = new Set(['topK', 'endpoint']);

/**
 * Query parameters for a raw-image body (`?topK=3&endpoint=multi`) checked without zod: only what `querySchema`
 * accepts; undefined hands them to the schema.
 */
function plainQuery(query: Record<string, string> | undefined, maxTopK: number): QueryOptions | undefined {
  if (query === undefined) return {};
  for (const key in query) if (!QUERY_KEYS.has(key)) return undefined;
  const { topK, endpoint } = query;
  let k: number | undefined;
  if (topK !== undefined) {
    if (!/^[0-9]+$/.test(topK)) return undefined;
    k = Number(topK);
    if (!Number.isSafeInteger(k) || k < 1 || k > maxTopK) return undefined;
  }
  if (endpoint !== undefined && !isEndpointChoice(endpoint)) return undefined;
  return { ...(k !== undefined ? { topK: k } : {}), ...(endpoint !== undefined ? { endpoint } : {}) };
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** `image/jpeg; charset=x` → `image/jpeg`. */
export function mediaType(contentType: string | undefined): string | undefined {
  const t = contentType?.split(';')[0]?.trim().toLowerCase();
  return t ? t : undefined;
}

const RAW_IMAGE_TYPES = new Set([
  'image/jpeg',
  'image/jpg',
  'image/png',
  'image/webp',
  'application/octet-stream',
]);
const isJsonType = (t: string | undefined) =>
  t === undefined || t === 'application/json' || t.endsWith('+json');

/** Parses a function URL / HTTP API payload 2.0 event. */
export async function parseHttpEvent(
  event: unknown,
  config: Pick<InvokerConfig, 'maxTopK' | 'defaultTopK' | 'defaultEndpoint' | 'maxRequestBytes'>,
): Promise<InvokeRequest> {
  const e = plainHttpEvent(event) ?? (await loadSchemaChecks()).checkHttpEvent(event);
  const method = e.requestContext.http?.method?.toUpperCase();
  if (method !== undefined && method !== 'POST') throw new MethodNotAllowedError(method);
  const body = e.body ?? '';
  if (body.length === 0) throw new HttpError('EMPTY_BODY', 'The request body is empty');
  const bodyBytes = e.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);
  if (bodyBytes > config.maxRequestBytes) {
    throw new HttpError(
      'REQUEST_TOO_LARGE',
      `The request body is ${bodyBytes} bytes; at most ${config.maxRequestBytes} bytes are accepted`,
    );
  }
  const type = mediaType(header(e.headers, 'content-type'));
  if (isJsonType(type)) {
    const text = e.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new HttpError('INVALID_JSON', `The body is not valid JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return parseJsonRequest(value, config, 'http');
  }
  if (type !== undefined && RAW_IMAGE_TYPES.has(type)) {
    const query = e.queryStringParameters;
    const q =
      plainQuery(query, config.maxTopK) ?? (await loadSchemaChecks()).checkQuery(query, config.maxTopK);
    return {
      eventKind: 'http',
      // Function URLs and HTTP APIs base64-encode binary bodies; a body that is not encoded is taken byte for byte.
      image: e.isBase64Encoded
        ? { kind: 'base64', base64: body }
        : { kind: 'bytes', bytes: Buffer.from(body, 'latin1') },
      topK: q.topK ?? config.defaultTopK,
      endpoint: q.endpoint ?? config.defaultEndpoint,
    };
  }
  throw new HttpError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Type ${type} is not accepted; send application/json or image/jpeg, image/png, image/webp`,
  );
}

/** Any supported event → `InvokeRequest`. */
export async function parseEvent(
  event: unknown,
  config: Pick<InvokerConfig, 'maxTopK' | 'defaultTopK' | 'defaultEndpoint' | 'maxRequestBytes'>,
): Promise<InvokeRequest> {
  if (isHttpEvent(event)) return parseHttpEvent(event, config);
  if (typeof event === 'string') {
    throw new HttpError('INVALID_EVENT', 'A direct invoke must carry a JSON object, not a string');
  }
  return parseJsonRequest(event, config, 'direct');
}
