/**
 * The invoker Lambda (`invoker`): runtime, concurrency, limits of a request, the endpoint call's budget.
 */
import { z } from 'zod';
import { NonNegativeInt, PositiveInt, ResourceName } from './common.js';

export const InvokerSpecSchema = z
  .object({
    functionName: ResourceName,
    runtime: z.literal('nodejs22.x'),
    architecture: z.enum(['arm64', 'x86_64']),
    /** Reserved concurrency: the 8th concurrent synchronous invoke is throttled with 429. */
    reservedConcurrency: PositiveInt,
    /** Provisioned concurrency on the `live` alias; 0 = off. */
    provisionedConcurrency: NonNegativeInt,
    memoryMb: z.number().int().min(128).max(10240),
    timeoutSeconds: z.number().int().min(1).max(900),
    /** Lambda's synchronous payload limit (request and response). */
    maxRequestBytes: PositiveInt,
    /**
     * Largest decoded image accepted (base64 adds ~33% inside Lambda's request, so this is below maxRequestBytes);
     * sent raw to the endpoint, so also at most modelServer.maxBodyBytes.
     */
    maxImageBytes: PositiveInt,
    defaultTopK: PositiveInt,
    maxTopK: PositiveInt,
    /** Time budget for one InvokeEndpoint call including retries; must fit inside the function timeout. */
    endpointTimeoutMs: PositiveInt,
    maxAttempts: PositiveInt,
    logRetentionDays: PositiveInt,
    /** Optional `{"s3Uri": ...}` input, read only from these bucket prefixes (never arbitrary URLs). */
    s3Input: z.object({ enabled: z.boolean(), prefix: z.string() }),
  })
  .refine((i) => i.maxImageBytes <= i.maxRequestBytes, {
    message: 'maxImageBytes must not exceed maxRequestBytes',
    path: ['maxImageBytes'],
  })
  .refine((i) => i.defaultTopK <= i.maxTopK, {
    message: 'defaultTopK must not exceed maxTopK',
    path: ['defaultTopK'],
  })
  .refine((i) => i.endpointTimeoutMs < i.timeoutSeconds * 1000, {
    message: 'endpointTimeoutMs must be below the function timeout',
    path: ['endpointTimeoutMs'],
  })
  .refine((i) => i.provisionedConcurrency <= i.reservedConcurrency, {
    message: 'provisionedConcurrency must not exceed reservedConcurrency',
    path: ['provisionedConcurrency'],
  });
export type InvokerSpec = z.infer<typeof InvokerSpecSchema>;
