import type { Context } from 'aws-lambda';

/** A function URL / HTTP API payload 2.0 event. */
export function httpEvent(opts: {
  body?: string;
  isBase64Encoded?: boolean;
  contentType?: string;
  method?: string;
  query?: Record<string, string>;
  requestId?: string;
}): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: new URLSearchParams(opts.query ?? {}).toString(),
    headers: {
      host: 'abc.lambda-url.us-east-1.on.aws',
      ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
    },
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      http: {
        method: opts.method ?? 'POST',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: opts.requestId ?? 'http-req-1',
      routeKey: '$default',
      stage: '$default',
      time: '24/Nov/2026:12:00:00 +0000',
      timeEpoch: 1795521600000,
    },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    isBase64Encoded: opts.isBase64Encoded ?? false,
  };
}

/** JSON body event: `{"image": ..., ...}` as a function URL sends it (text body). */
export function jsonHttpEvent(payload: unknown, requestId?: string): Record<string, unknown> {
  return httpEvent({ body: JSON.stringify(payload), contentType: 'application/json', requestId });
}

/** Raw image bytes as a function URL delivers them (base64-encoded body). */
export function rawImageHttpEvent(
  bytes: Buffer,
  contentType: string,
  query?: Record<string, string>,
): Record<string, unknown> {
  return httpEvent({ body: bytes.toString('base64'), isBase64Encoded: true, contentType, query });
}

/** The one Lambda context fixture. */
export function lambdaContext(requestId = 'lambda-req-1', remainingMs = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'dogbreed-invoker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dogbreed-invoker',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/dogbreed-invoker',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
