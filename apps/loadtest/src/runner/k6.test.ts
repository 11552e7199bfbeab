import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { k6Args } from './k6';

describe('k6Args', () => {
  it('passes file paths as absolute paths (k6 resolves relative ones against the script folder)', () => {
    const args = k6Args(
      {
        scenario: 'probe',
        spec: PLATFORM_SPEC,
        mode: 'local',
        payload: 'dist/loadtest/payload/dog.jpg',
        outDir: 'dist/loadtest',
        timeScale: 1,
        timeoutMs: 1000,
      },
      'dist/loadtest/k6/probe.json',
    );
    const env = Object.fromEntries(
      args.flatMap((a, i) =>
        args[i - 1] === '-e' ? [a.split(/=(.*)/s).slice(0, 2) as [string, string]] : [],
      ),
    );
    expect(isAbsolute(env['PAYLOAD'] ?? '')).toBe(true);
    expect(env['PAYLOAD']).toMatch(/dist\/loadtest\/payload\/dog\.jpg$/);
    expect(isAbsolute(env['SUMMARY_OUT'] ?? '')).toBe(true);
    expect(JSON.parse(env['SPEC'] ?? '{}').invoker.reservedConcurrency).toBe(
      PLATFORM_SPEC.invoker.reservedConcurrency,
    );
    expect(args.at(-1)).toMatch(/k6\/probe\.ts$/);
  });

  it('asks for every sample as JSON lines, at an absolute path, when a verifier needs them', () => {
    const run = {
      scenario: 'rollout' as const,
      spec: PLATFORM_SPEC,
      mode: 'local' as const,
      payload: 'p.jpg',
      outDir: 'out',
      timeScale: 60,
      timeoutMs: 1000,
    };
    expect(k6Args(run, 'out/rollout.json')).not.toContain('--out');
    const args = k6Args({ ...run, samplesPath: 'out/rollout-samples.jsonl' }, 'out/rollout.json');
    const out = args[args.indexOf('--out') + 1] ?? '';
    expect(out).toMatch(/^json=\/.*\/out\/rollout-samples\.jsonl$/);
    expect(args.at(-1)).toMatch(/k6\/rollout\.ts$/);
  });
});
