import { readFileSync } from 'node:fs';
import { DEFAULT_SPEC } from './defaults.js';
import { SpecOverrideError, SpecValidationError } from '../errors.js';
import { PlatformSpecSchema, type PlatformSpec } from './index.js';

/** A partial spec: any subset of fields, nested. Arrays and records replace, objects merge. */
export type SpecOverride = { [key: string]: unknown };

/** Environment variables the loader reads (the same names everywhere: CDK, local stack, load tests, CI). */
export const SPEC_ENV = {
  /** Path of a JSON file with overrides. */
  file: 'DOGBREED_SPEC_FILE',
  /** Inline JSON overrides (applied after the file). */
  json: 'DOGBREED_SPEC_JSON',
} as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: plain objects merge key by key; anything else (arrays, scalars) replaces. */
export function mergeSpec<T>(base: T, override: SpecOverride | undefined): T {
  if (!override) return base;
  if (!isPlainObject(base)) return override as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? mergeSpec(cur, v) : v;
  }
  return out as T;
}

/** Validates a full spec object; throws SpecValidationError naming each bad field. */
export function parseSpec(candidate: unknown, source = 'spec'): PlatformSpec {
  const result = PlatformSpecSchema.safeParse(candidate);
  if (!result.success) throw new SpecValidationError(source, result.error);
  return result.data;
}

/** The defaults merged with `overrides` (in order), validated. Pure: reads no environment. */
export function buildSpec(...overrides: (SpecOverride | undefined)[]): PlatformSpec {
  const merged = overrides.reduce<unknown>((acc, o) => mergeSpec(acc, o), structuredClone(DEFAULT_SPEC));
  return parseSpec(merged, overrides.some(Boolean) ? 'defaults + overrides' : 'defaults');
}

function parseJson(text: string, where: string): SpecOverride {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SpecOverrideError(`${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isPlainObject(value)) throw new SpecOverrideError(`${where} must be a JSON object`);
  return value;
}

/**
 * The spec in force: defaults, then the JSON file named by DOGBREED_SPEC_FILE, then inline JSON from
 * DOGBREED_SPEC_JSON, then `extra` (e.g. CLI flags or a test's changes). Fails fast with every bad field named.
 */
export function loadPlatformSpec(env: NodeJS.ProcessEnv = process.env, extra?: SpecOverride): PlatformSpec {
  const fromFile = env[SPEC_ENV.file];
  let fileOverride: SpecOverride | undefined;
  if (fromFile) {
    let text: string;
    try {
      text = readFileSync(fromFile, 'utf8');
    } catch (err) {
      throw new SpecOverrideError(`${SPEC_ENV.file}=${fromFile} cannot be read: ${(err as Error).message}`, {
        cause: err,
      });
    }
    fileOverride = parseJson(text, `${SPEC_ENV.file} (${fromFile})`);
  }
  const inline = env[SPEC_ENV.json];
  const inlineOverride = inline ? parseJson(inline, SPEC_ENV.json) : undefined;
  const sources = [
    'defaults',
    fromFile && SPEC_ENV.file,
    inline && SPEC_ENV.json,
    extra && 'explicit overrides',
  ];
  const merged = [fileOverride, inlineOverride, extra].reduce<unknown>(
    (acc, o) => mergeSpec(acc, o),
    structuredClone(DEFAULT_SPEC),
  );
  return parseSpec(merged, sources.filter(Boolean).join(' + '));
}

/** The spec with defaults only. */
export const PLATFORM_SPEC: PlatformSpec = buildSpec();

/** Both endpoints as a list, in a fixed order (single, multi). */
export function endpointList(
  spec: PlatformSpec,
): PlatformSpec['endpoints'][keyof PlatformSpec['endpoints']][] {
  return [spec.endpoints.single, spec.endpoints.multi];
}
