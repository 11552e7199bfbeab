import { z } from 'zod';

/**
 * Wire contracts shared by the model server (producer), the invoker (pass-through), the local stack's
 * dashboard and the load tests (consumers).
 */

/** JSON request body accepted by the model server and the invoker. */
export const PredictionRequestSchema = z.object({
  /** Base64-encoded JPEG, PNG or WebP. */
  image: z.string().min(1),
  topK: z.number().int().positive().optional(),
});
export type PredictionRequest = z.infer<typeof PredictionRequestSchema>;

export const PredictionSchema = z.object({
  label: z.string(),
  index: z.number().int().nonnegative(),
  probability: z.number().min(0).max(1),
});
export type Prediction = z.infer<typeof PredictionSchema>;

/** Model server response (`application/json`). */
export const PredictionResponseSchema = z.object({
  predictions: z.array(PredictionSchema),
  modelVersion: z.string(),
  timingsMs: z.object({
    decode: z.number().nonnegative(),
    preprocess: z.number().nonnegative(),
    inference: z.number().nonnegative(),
    total: z.number().nonnegative(),
  }),
});
export type PredictionResponse = z.infer<typeof PredictionResponseSchema>;

/** Every error body from the model server and the invoker. `code` is stable, `message` human. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().regex(/^[A-Z][A-Z0-9_]+$/),
    message: z.string(),
    requestId: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Which endpoint a client asks the invoker for. */
export const EndpointChoice = z.enum(['single', 'multi']);
export type EndpointChoice = z.infer<typeof EndpointChoice>;
