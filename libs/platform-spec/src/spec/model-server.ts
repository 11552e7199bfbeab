/**
 * The model server container (`modelServer`): port, body and pixel caps, threads, sessions, batching.
 */
import { z } from 'zod';
import { NonNegativeInt, PositiveInt } from './common.js';

export const ModelServerSpecSchema = z.object({
  port: z.number().int().min(1).max(65535),
  /** SageMaker real-time endpoints accept at most ~6 MB; 5 MiB is the safe cap. */
  maxBodyBytes: PositiveInt,
  /** sharp's limitInputPixels: refuses decompression bombs before decoding. */
  maxInputPixels: PositiveInt,
  /** onnxruntime intra-op threads; 0 = one per vCPU. */
  intraOpThreads: NonNegativeInt,
  /**
   * Inference sessions that run at once (a worker thread with its own ORT session each, which also does the images'
   * resize and normalisation); 0 = vCPUs ÷ intra-op threads. intraOpThreads 1 with 0 sessions gives the most images
   * per second on 2 cores; one session with 2 threads leaves 13–14 % of the cores idle (apps/model-server README).
   */
  inferenceSessions: NonNegativeInt,
  /** Requests waiting for inference beyond this are refused with 503 (back-pressure). */
  maxQueueDepth: PositiveInt,
  /** Micro-batching: group concurrent requests into one ORT run. */
  batching: z.object({ enabled: z.boolean(), maxBatchSize: PositiveInt, maxDelayMs: NonNegativeInt }),
});
export type ModelServerSpec = z.infer<typeof ModelServerSpecSchema>;
