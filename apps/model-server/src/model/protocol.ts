/** Messages between the main thread and the inference worker (validated on both sides). */
import { z } from 'zod';

const Size = z.number().int().positive();
const Triple = z.tuple([z.number(), z.number(), z.number()]);

export const WorkerInitSchema = z.object({
  modelBytes: z.instanceof(Uint8Array),
  intraOpThreads: z.number().int().positive(),
  /** Threads of the worker's solo session, for batches that run alone; 0 = the worker has none. */
  soloIntraOpThreads: z.number().int().nonnegative(),
  /** The solo session's pool threads busy-wait between the parallel parts of a run. */
  soloSpinning: z.boolean(),
  /** The model input the worker's transform writes (transform.ts `TensorSpec`). */
  tensor: z.object({ height: Size, width: Size, mean: Triple, std: Triple }),
});
export type WorkerInit = z.infer<typeof WorkerInitSchema>;

/** One decoded image and the resize + crop still to apply (transform.ts `SourceImage`). */
export const SourceImageSchema = z.object({
  rgb: z.instanceof(Uint8Array),
  width: Size,
  height: Size,
  resizeWidth: Size,
  resizeHeight: Size,
  crop: z.object({
    left: z.number().int().nonnegative(),
    top: z.number().int().nonnegative(),
    width: Size,
    height: Size,
  }),
});

/** A batch: the worker resizes and normalises each image into the batch tensor, then runs the session once. */
export const RunRequestSchema = z.object({
  type: z.literal('run'),
  id: z.number().int(),
  inputName: z.string(),
  outputName: z.string(),
  /** The dog output (metadata.json's `output.dog.name`), run in the same session.run when the model has one. */
  dogOutputName: z.string().optional(),
  images: z.array(SourceImageSchema).min(1),
  /** Run on the solo session (every core) instead of the worker's own; only for a worker that has one. */
  solo: z.boolean().optional(),
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
    /** The dog output of the batch ([n, 1]), when the request named one. */
    dog: z.object({ data: z.instanceof(Float32Array), dims: z.array(z.number().int()) }).optional(),
    /** Resize, crop and normalise of the whole batch, in the worker. */
    preprocessMs: z.number().nonnegative(),
    inferenceMs: z.number().nonnegative(),
  }),
  z.object({ type: z.literal('run-error'), id: z.number().int(), message: z.string() }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
