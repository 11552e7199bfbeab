import { parseArgs } from 'node:util';
import type { SpecOverride } from '@dogbreed/platform-spec';
import { CliUsageError } from './errors.js';

/** Command-line flags, pure. Absent values fall back to the spec (applied by the caller). */
export interface CliOptions {
  readonly port?: number;
  readonly timeScale?: number;
  readonly modelsDir?: string;
  readonly train: boolean;
  readonly specOverride?: SpecOverride;
  readonly help: boolean;
}

export const USAGE = `Usage: node dist/apps/local-stack/main.js [--port N] [--time-scale F] [--models-dir DIR] [--no-train] [--spec-json JSON]
  --port N          router/dashboard port (0 = any free port; default spec.localStack.port)
  --time-scale F    compress metric periods and cooldowns by F (default spec.localStack.timeScale)
  --models-dir DIR  the stack's state dir: serve DIR/single and DIR/multi instead of the spec's model dirs,
                    and write data capture to DIR/data-capture instead of the checkout's .local-stack
  --no-train        fail instead of writing the default ImageNet dog-breed model when a model dir is missing
  --spec-json JSON  platform spec overrides (after DOGBREED_SPEC_FILE and DOGBREED_SPEC_JSON)`;

function number(
  flag: string,
  value: string | undefined,
  check: (n: number) => boolean,
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new CliUsageError(`${flag} must be ${what}, got "${value}"`);
  return n;
}

export function parseCli(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        'time-scale': { type: 'string' },
        'models-dir': { type: 'string' },
        'no-train': { type: 'boolean', default: false },
        'spec-json': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new CliUsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  let specOverride: SpecOverride | undefined;
  if (v['spec-json'] !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(v['spec-json']);
    } catch (err) {
      throw new CliUsageError(`--spec-json is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new CliUsageError('--spec-json must be a JSON object');
    specOverride = json as SpecOverride;
  }
  return {
    port: number(
      '--port',
      v.port,
      (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
      'an integer port 0..65535',
    ),
    timeScale: number('--time-scale', v['time-scale'], (n) => n > 0, 'a positive number'),
    modelsDir: v['models-dir'],
    train: !v['no-train'],
    specOverride,
    help: v.help === true,
  };
}

/** The spec overrides the flags imply: --port and --time-scale land in spec.localStack. */
export function cliSpecOverride(opts: CliOptions): SpecOverride | undefined {
  const localStack: Record<string, number> = {};
  if (opts.port !== undefined) localStack['port'] = opts.port;
  if (opts.timeScale !== undefined) localStack['timeScale'] = opts.timeScale;
  if (!opts.specOverride && Object.keys(localStack).length === 0) return undefined;
  const base = opts.specOverride ?? {};
  const baseLocal = (base['localStack'] as Record<string, unknown> | undefined) ?? {};
  return Object.keys(localStack).length ? { ...base, localStack: { ...baseLocal, ...localStack } } : base;
}
