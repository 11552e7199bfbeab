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
  /**
   * A large image (a phone's 12 MP JPEG) is reduced while decoding (JPEG: libjpeg's DCT scaling, shrink-on-load) to
   * this many times the resize target, the exact resize (the trainer's arithmetic) doing the rest; images under 3×
   * that are decoded whole and resized exactly. 1 = libvips resizes all the way.
   */
  shrinkOnLoadMargin: z.number().min(1),
  /** onnxruntime intra-op threads; 0 = one per vCPU. */
  intraOpThreads: NonNegativeInt,
  /**
   * Inference sessions that run at once (a worker thread with its own ORT session each, which also does the images'
   * resize and normalisation); 0 = vCPUs ÷ intra-op threads. intraOpThreads 1 with 0 sessions gives the most images
   * per second on 2 cores; one session with 2 threads leaves 13–14 % of the cores idle (apps/model-server README).
   */
  inferenceSessions: NonNegativeInt,
  /**
   * Intra-op threads of one more ORT session (in the first inference worker) that runs a batch finding every session
   * idle and nothing else waiting, so that a lone request has every core; 0 = one per vCPU; a value at or below the
   * effective `intraOpThreads` turns it off. Under load batches find company and run on the per-core sessions.
   */
  soloIntraOpThreads: NonNegativeInt,
  /**
   * Let the solo session's pool threads busy-wait between the parallel parts of a run (ORT's `allow_spinning`): it
   * saves each op's wake-up, but a run waits for any spinning thread the OS has descheduled when other work wants
   * the cores.
   */
  soloSpinning: z.boolean(),
  /** Requests waiting for inference beyond this are refused with 503 (back-pressure). */
  maxQueueDepth: PositiveInt,
  /** Micro-batching: group concurrent requests into one ORT run. */
  batching: z.object({ enabled: z.boolean(), maxBatchSize: PositiveInt, maxDelayMs: NonNegativeInt }),
  /**
   * "Is it a dog?", for models with a dog output (`output.dog` in metadata.json): a photo is a dog when the output's
   * probability is at least `threshold`; a non-dog is answered with `dog.isDog: false` (`flag`) or refused with 422
   * `NOT_A_DOG` (`refuse`).
   */
  dog: z.object({ threshold: z.number().min(0).max(1), policy: z.enum(['flag', 'refuse']) }),
});
export type ModelServerSpec = z.infer<typeof ModelServerSpecSchema>;
