/** Messages between the runtime (main thread) and an execution environment (worker thread). */
import { z } from 'zod';

export const WorkerDataSchema = z.object({
  bundlePath: z.string().min(1),
  functionName: z.string().min(1),
  region: z.string().min(1),
  memoryMb: z.number().int().positive(),
  /** Size of the log tail an invocation reports back (`X-Amz-Log-Result`). */
  logTailBytes: z.number().int().positive(),
});
export type WorkerData = z.infer<typeof WorkerDataSchema>;

export interface InvokeMessage {
  readonly id: number;
  readonly requestId: string;
  /** Epoch ms when the function times out. */
  readonly deadline: number;
  readonly event: unknown;
}

export const FunctionErrorSchema = z.object({
  errorType: z.string(),
  errorMessage: z.string(),
  trace: z.array(z.string()),
});
export type FunctionError = z.infer<typeof FunctionErrorSchema>;

export const ResultMessageSchema = z.discriminatedUnion('ok', [
  z.object({
    id: z.number(),
    ok: z.literal(true),
    result: z.unknown(),
    initMs: z.number().optional(),
    logResult: z.string(),
  }),
  z.object({
    id: z.number(),
    ok: z.literal(false),
    error: FunctionErrorSchema,
    initMs: z.number().optional(),
    logResult: z.string(),
  }),
]);
export type ResultMessage = z.infer<typeof ResultMessageSchema>;
