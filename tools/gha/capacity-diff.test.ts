import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { autoscalingAt, autoscalingChanged, canonicalAutoscaling, simulatorArgs } from './capacity-diff.js';

const head = JSON.parse(JSON.stringify(PLATFORM_SPEC.autoscaling)) as Parameters<
  typeof canonicalAutoscaling
>[0];

describe('capacity-diff', () => {
  it('sees no change when only key order differs or a base lacks the options that mean "off"', () => {
    const { policy: _p, schedule: _s, ...older } = head;
    expect(autoscalingChanged(older, head)).toBe(false);
    expect(autoscalingChanged(Object.fromEntries(Object.entries(head).reverse()), head)).toBe(false);
  });

  it('sees a changed target, schedule or policy', () => {
    expect(autoscalingChanged(head, { ...head, targetValue: 450 })).toBe(true);
    expect(
      autoscalingChanged(head, {
        ...head,
        schedule: [{ name: 'n', start: '0 20 * * *', end: '0 7 * * *', minInstances: 1 }],
      }),
    ).toBe(true);
  });

  it('compares exactly the two policies on the standard traces', () => {
    const args = simulatorArgs(head, { ...head, targetValue: 450 }, 'out');
    expect(args).toContain('--no-spec-policy');
    expect(args.filter((a) => a.startsWith('base=') || a.startsWith('head='))).toHaveLength(2);
    expect(args.join(' ')).not.toMatch(/--trace/);
  });

  it('reads the autoscaling the sources at a commit define (here HEAD)', () => {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const atHead = autoscalingAt(sha, process.cwd().replace(/\/tools$/, ''));
    expect(atHead['targetValue']).toBe(PLATFORM_SPEC.autoscaling.targetValue);
  });
});
