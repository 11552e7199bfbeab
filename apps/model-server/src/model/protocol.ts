/** Messages between the main thread and the inference worker (validated on both sides). */
import { z } from 'zod';

export const WorkerInitSchema = z.object({
  modelBytes: z.instanceof(Uint8Array),
  intraOpThreads: z.number().int().positive(),
});
export type WorkerInit = z.infer<typeof WorkerInitSchema>;

export const RunRequestSchema = z.object({
  type: z.literal('run'),
  id: z.number().int(),
  inputName: z.string(),
  outputName: z.string(),
  data: z.instanceof(Float32Array),
  dims: z.array(z.number().int().positive()),
});
export type RunRequest = z.infer<typeof RunRequestSchema>;

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), inputNames: z.array(z.string()), outputNames: z.array(z.string()) }),
  z.object({ type: z.literal('init-error'), message: z.string() }),
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    data: z.instanceof(Float32Array),
    dims: z.array(z.number().int()),
    inferenceMs: z.number().nonnegative(),
  }),
  z.object({ type: z.literal('run-error'), id: z.number().int(), message: z.string() }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
