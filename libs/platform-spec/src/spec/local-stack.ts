/**
 * The local stack (`localStack`): host, port, time scale, instance ports.
 */
import { z } from 'zod';

export const LocalStackSpecSchema = z.object({
  host: z.string().min(1),
  /** Router + admin + dashboard port (InvokeEndpoint REST API, Lambda Invoke API, function URL, metrics). */
  port: z.number().int().min(0).max(65535),
  /** Compresses metric periods and cooldowns: 60 means one real second stands for one minute. */
  timeScale: z.number().positive(),
  /** Idle model-server processes start listening on ports from here upward (0 = any free port). */
  instanceBasePort: z.number().int().min(0).max(65535),
});
export type LocalStackSpec = z.infer<typeof LocalStackSpecSchema>;
