import { MODEL_SERVER_ENV, SAGEMAKER_MODEL_DIR, type PlatformSpec } from '@dogbreed/platform-spec';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { StartupError } from './errors.js';

/** The container listens on every interface; the local stack and tests ask for 127.0.0.1. */
export const DEFAULT_HOST = '0.0.0.0';

export interface DogSettings {
  /** A photo is a dog when the model's dog output is at least this (0 to 1). */
  readonly threshold: number;
  /** `flag`: a non-dog is answered 200 with `dog.isDog: false`; `refuse`: 422 NOT_A_DOG. */
  readonly policy: 'flag' | 'refuse';
}

export interface ServerConfig {
  readonly modelDir: string;
  readonly host: string;
  /** 0 = any free port (the actual one is logged with `"msg":"listening"`). */
  readonly port: number;
  readonly intraOpThreads: number;
  /** Inference workers (one ORT session each) that run at the same time; ≥ 1 (see `sessionsFor`). */
  readonly inferenceSessions: number;
  /** Intra-op threads of the solo session that runs a lone batch; 0 = no solo session (see `soloThreadsFor`). */
  readonly soloIntraOpThreads: number;
  /** The solo session's pool threads busy-wait between the parallel parts of a run. */
  readonly soloSpinning: boolean;
  readonly maxQueueDepth: number;
  readonly maxBodyBytes: number;
  readonly maxInputPixels: number;
  /** A large image is reduced while decoding to this many times the resize target (`reducedSize`). */
  readonly shrinkOnLoadMargin: number;
  readonly batching: {
    readonly enabled: boolean;
    readonly maxBatchSize: number;
    readonly maxDelayMs: number;
  };
  /** The "is it a dog?" verdict, for models whose metadata.json names a dog output (`spec.modelServer.dog`). */
  readonly dog: DogSettings;
  readonly defaultTopK: number;
  readonly maxTopK: number;
  readonly logLevel: string;
}

const intFrom = (min: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min));

const onOff = z
  .enum(['true', 'false', '1', '0', 'on', 'off'])
  .transform((v) => ['true', '1', 'on'].includes(v));

const EnvSchema = z.object({
  [MODEL_SERVER_ENV.modelDir]: z.string().min(1).optional(),
  [MODEL_SERVER_ENV.host]: z.string().min(1).optional(),
  [MODEL_SERVER_ENV.port]: intFrom(0).pipe(z.number().max(65535)).optional(),
  [MODEL_SERVER_ENV.intraOpThreads]: intFrom(0).optional(),
  [MODEL_SERVER_ENV.inferenceSessions]: intFrom(0).optional(),
  [MODEL_SERVER_ENV.soloIntraOpThreads]: intFrom(0).optional(),
  [MODEL_SERVER_ENV.maxQueueDepth]: intFrom(1).optional(),
  [MODEL_SERVER_ENV.maxBodyBytes]: intFrom(1).optional(),
  [MODEL_SERVER_ENV.shrinkOnLoadMargin]: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of at least 1')
    .transform(Number)
    .pipe(z.number().min(1, 'must be a number of at least 1'))
    .optional(),
  [MODEL_SERVER_ENV.batching]: onOff.optional(),
  [MODEL_SERVER_ENV.soloSpinning]: onOff.optional(),
  [MODEL_SERVER_ENV.maxBatchSize]: intFrom(1).optional(),
  [MODEL_SERVER_ENV.maxBatchDelayMs]: intFrom(0).optional(),
  [MODEL_SERVER_ENV.dogThreshold]: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a number from 0 to 1')
    .transform(Number)
    .optional(),
  [MODEL_SERVER_ENV.dogPolicy]: z.enum(['flag', 'refuse']).optional(),
  [MODEL_SERVER_ENV.logLevel]: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .optional(),
});

/**
 * The server's settings: `spec.modelServer` (and the product-wide top-K bounds from `spec.invoker`), overridden by
 * the MODEL_SERVER_ENV variables. Pure; fails with every bad variable named.
 */
export function resolveConfig(spec: PlatformSpec, env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  - ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
    );
    throw new StartupError(`Invalid model-server environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const ms = spec.modelServer;
  return {
    modelDir: e[MODEL_SERVER_ENV.modelDir] ?? SAGEMAKER_MODEL_DIR,
    host: e[MODEL_SERVER_ENV.host] ?? DEFAULT_HOST,
    port: e[MODEL_SERVER_ENV.port] ?? ms.port,
    intraOpThreads: e[MODEL_SERVER_ENV.intraOpThreads] ?? ms.intraOpThreads,
    inferenceSessions: sessionsFor(
      e[MODEL_SERVER_ENV.inferenceSessions] ?? ms.inferenceSessions,
      e[MODEL_SERVER_ENV.intraOpThreads] ?? ms.intraOpThreads,
    ),
    soloIntraOpThreads: soloThreadsFor(
      e[MODEL_SERVER_ENV.soloIntraOpThreads] ?? ms.soloIntraOpThreads,
      e[MODEL_SERVER_ENV.intraOpThreads] ?? ms.intraOpThreads,
    ),
    soloSpinning: e[MODEL_SERVER_ENV.soloSpinning] ?? ms.soloSpinning,
    maxQueueDepth: e[MODEL_SERVER_ENV.maxQueueDepth] ?? ms.maxQueueDepth,
    maxBodyBytes: e[MODEL_SERVER_ENV.maxBodyBytes] ?? ms.maxBodyBytes,
    maxInputPixels: ms.maxInputPixels,
    shrinkOnLoadMargin: e[MODEL_SERVER_ENV.shrinkOnLoadMargin] ?? ms.shrinkOnLoadMargin,
    batching: {
      enabled: e[MODEL_SERVER_ENV.batching] ?? ms.batching.enabled,
      maxBatchSize: e[MODEL_SERVER_ENV.maxBatchSize] ?? ms.batching.maxBatchSize,
      maxDelayMs: e[MODEL_SERVER_ENV.maxBatchDelayMs] ?? ms.batching.maxDelayMs,
    },
    dog: {
      threshold: e[MODEL_SERVER_ENV.dogThreshold] ?? ms.dog.threshold,
      policy: e[MODEL_SERVER_ENV.dogPolicy] ?? ms.dog.policy,
    },
    defaultTopK: spec.invoker.defaultTopK,
    maxTopK: spec.invoker.maxTopK,
    logLevel: e[MODEL_SERVER_ENV.logLevel] ?? 'info',
  };
}

/** `intraOpThreads` 0 means one per vCPU. */
export function effectiveThreads(intraOpThreads: number, cpus: number = availableParallelism()): number {
  return intraOpThreads > 0 ? intraOpThreads : Math.max(1, cpus);
}

/**
 * Inference sessions: `requested`, or with 0 as many as fit the vCPUs at the effective intra-op threads each (one
 * single-threaded session per vCPU with intraOpThreads 1). One session runs one batch at a time, so with one session
 * inference is a serial stage that decode has to fit around; ORT's second intra-op thread cut a batch-1 MobileNetV3
 * run's wall time by ~28 % for ~14 % more CPU (README, serving efficiency).
 */
export function sessionsFor(
  requested: number,
  intraOpThreads: number,
  cpus: number = availableParallelism(),
): number {
  if (requested > 0) return requested;
  return Math.max(1, Math.floor(cpus / effectiveThreads(intraOpThreads, cpus)));
}

/**
 * The solo session's intra-op threads: `requested` (0 = one per vCPU), or 0 (no solo session) when that is no more
 * than the per-session threads, where it would only duplicate a session.
 */
export function soloThreadsFor(
  requested: number,
  intraOpThreads: number,
  cpus: number = availableParallelism(),
): number {
  const solo = effectiveThreads(requested, cpus);
  return solo > effectiveThreads(intraOpThreads, cpus) ? solo : 0;
}
