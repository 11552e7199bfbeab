/** Lambda Invoke API details (REST path 2015-03-31), pure. */

export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The body Lambda returns with 429 TooManyRequestsException when reserved concurrency is exhausted. */
export const THROTTLE_BODY = {
  Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
  Type: 'User',
  message: 'Rate Exceeded.',
} as const;

/**
 * Whether `requested` (name, name:qualifier, partial or full ARN; URL-encoded) names `functionName`.
 * Qualifiers are accepted as given (the local stack runs one version).
 */
export function matchesFunction(requested: string, functionName: string): boolean {
  let name = decodeURIComponent(requested);
  const arn = /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?([^:]+)(?::[^:]+)?$/.exec(
    name,
  );
  if (!arn) return false;
  name = arn[1] as string;
  return name === functionName;
}
