/**
 * What SageMaker Runtime checks at its front door before a request reaches a container: header lengths and
 * charset (`\p{ASCII}*`, at most 1,024 characters) and the payload size. Refusals are `ValidationError` 400 in the
 * service's wording, so the real SDK parses them as it would from AWS.
 */
import { SAGEMAKER_RUNTIME_LIMITS } from '@dogbreed/platform-spec';
import { AwsApiError } from '../errors.js';

export interface FrontDoorHeaders {
  readonly customAttributes: string | undefined;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
}

/** `\p{ASCII}*`: every code unit below 0x80 (HTTP parsing has already refused control characters). */
const isAscii = (s: string) => [...s].every((c) => c.charCodeAt(0) < 0x80);

/** The API's member names (as AWS names them in validation messages) and their length limits. */
const MEMBERS = [
  { key: 'customAttributes', max: SAGEMAKER_RUNTIME_LIMITS.maxCustomAttributesChars },
  { key: 'contentType', max: SAGEMAKER_RUNTIME_LIMITS.maxContentTypeChars },
  { key: 'accept', max: SAGEMAKER_RUNTIME_LIMITS.maxAcceptChars },
] as const;

/** AWS's validation-message phrases, one per broken constraint (the value itself is not echoed). */
export function headerViolations(h: FrontDoorHeaders): string[] {
  const out: string[] = [];
  for (const { key, max } of MEMBERS) {
    const value = h[key];
    if (value === undefined) continue;
    if (value.length > max) {
      out.push(
        `Value at '${key}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      );
    }
    if (!isAscii(value)) {
      out.push(
        `Value at '${key}' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*`,
      );
    }
  }
  return out;
}

/** Throws ValidationError 400 when a header breaks SageMaker's constraints. */
export function checkFrontDoorHeaders(h: FrontDoorHeaders): void {
  const v = headerViolations(h);
  if (v.length === 0) return;
  const n = v.length === 1 ? '1 validation error detected' : `${v.length} validation errors detected`;
  throw new AwsApiError(400, 'ValidationError', `${n}: ${v.join('; ')}`);
}

/** SageMaker's refusal of a payload over `SAGEMAKER_RUNTIME_LIMITS.maxPayloadBytes`. */
export function oversizeBody(requestId: string): AwsApiError {
  return new AwsApiError(400, 'ValidationError', `Request ${requestId} has oversize body.`);
}
