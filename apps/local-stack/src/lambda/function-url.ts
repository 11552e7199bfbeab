/**
 * Function URL translation, pure: an HTTP request → Lambda's payload format 2.0 event; the handler's result →
 * the HTTP response (the same rules the Lambda service applies).
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpRequestInfo {
  readonly method: string;
  /** Path and query after the function URL prefix, e.g. `/predict?topK=3`. */
  readonly pathAndQuery: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly httpVersion: string;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+json|[^;]*\+xml)/i;

function clfTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function buildFunctionUrlEvent(
  req: HttpRequestInfo,
  ctx: { readonly requestId: string; readonly now: Date; readonly urlId: string; readonly region: string },
): Record<string, unknown> {
  const q = req.pathAndQuery.indexOf('?');
  const rawPath = (q >= 0 ? req.pathAndQuery.slice(0, q) : req.pathAndQuery) || '/';
  const rawQueryString = q >= 0 ? req.pathAndQuery.slice(q + 1) : '';
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies = (Array.isArray(value) ? value.join('; ') : value).split(/;\s*/).filter(Boolean);
      continue;
    }
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const params = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(params.keys())) queryStringParameters[key] = params.getAll(key).join(',');
  const domainName = `${ctx.urlId}.lambda-url.${ctx.region}.on.aws`;
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: ctx.urlId,
      domainName,
      domainPrefix: ctx.urlId,
      http: {
        method: req.method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: ctx.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(ctx.now),
      timeEpoch: ctx.now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies) event['cookies'] = cookies;
  if (rawQueryString) event['queryStringParameters'] = queryStringParameters;
  if (req.body.length > 0) {
    const text = TEXT_TYPES.test(headers['content-type'] ?? '');
    event['body'] = text ? req.body.toString('utf8') : req.body.toString('base64');
    event['isBase64Encoded'] = !text;
  }
  return event;
}

export interface HttpResponseOut {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The handler's result as the function URL answers it. */
export function functionUrlResponse(result: unknown): HttpResponseOut {
  if (isRecord(result) && typeof result['statusCode'] === 'number') {
    const headers: Record<string, string | string[]> = {};
    if (isRecord(result['headers'])) {
      for (const [k, v] of Object.entries(result['headers'])) headers[k.toLowerCase()] = String(v);
    }
    if (Array.isArray(result['cookies'])) headers['set-cookie'] = result['cookies'].map(String);
    const raw = result['body'];
    const text = raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
    const body = result['isBase64Encoded'] === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    headers['content-type'] ??= 'application/json';
    return { status: result['statusCode'], headers, body };
  }
  // No statusCode: Lambda answers 200 with the result as JSON.
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(result)),
  };
}

/** Throttled function URL invoke: the body Lambda sends. */
export const FUNCTION_URL_THROTTLE_BODY = { Message: 'Rate Exceeded.' } as const;
