/**
 * The workflow player's scheduling rules, on small workflows and on deploy.yml's own conditions: what GitHub runs,
 * skips and fails given the results of the jobs before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@dogbreed/workspace';
import { describe, expect, it } from 'vitest';
import {
  conditionHolds,
  expand,
  jobOrder,
  matrixLegs,
  parseWorkflow,
  runWorkflow,
  WorkflowExpressionError,
  type RunnerHooks,
  type StepContext,
} from './workflow-runner.js';

const event = { eventName: 'push', runId: '7', repository: 'o/r', ref: 'refs/heads/main' } as const;
const ok = { failed: false, cancelled: false };

/** Hooks that record what ran; a script `exit 1` fails, `echo k=v` sets output k. */
function recordingHooks(approvals: Record<string, boolean> = {}) {
  const ran: string[] = [];
  const hooks: RunnerHooks = {
    run: async (script: string, ctx: StepContext) => {
      ran.push(
        `${ctx.job}${Object.values(ctx.matrix).length ? `(${Object.values(ctx.matrix).join(',')})` : ''}: ${script}`,
      );
      const out = /^echo (\w[\w-]*)=(.*)$/.exec(script);
      return {
        result: script === 'exit 1' ? 'failure' : 'success',
        outputs: out ? { [out[1] ?? '']: out[2] ?? '' } : {},
      };
    },
    use: async () => ({ result: 'success' }),
    approve: async (_job: string, env: string) => approvals[env] ?? true,
  };
  return { ran, hooks };
}

describe('expressions (GitHub’s own evaluator)', () => {
  it('expands ${{ }} with the contexts and coerces like GitHub', () => {
    expect(
      expand('a-${{ matrix.mode }}-${{ needs.x.outputs.y }}', {
        matrix: { mode: 'single' },
        needs: { x: { outputs: { y: '' } } },
      }),
    ).toBe('a-single-');
    expect(
      expand("${{ github.event_name == 'workflow_dispatch' && inputs.force }}", {
        github: { event_name: 'push' },
        inputs: {},
      }),
    ).toBe('false');
  });

  it('refuses a context GitHub does not know', () => {
    expect(() => expand('${{ nope.x }}', { matrix: {} })).toThrow(WorkflowExpressionError);
  });

  it('adds success() to a condition without a status function', () => {
    expect(
      conditionHolds("needs.v.outputs.train == 'true'", { needs: { v: { outputs: { train: 'true' } } } }, ok),
    ).toBe(true);
    expect(
      conditionHolds(
        "needs.v.outputs.train == 'true'",
        { needs: { v: { outputs: { train: 'true' } } } },
        { failed: true, cancelled: false },
      ),
    ).toBe(false);
    expect(conditionHolds('always()', {}, { failed: true, cancelled: false })).toBe(true);
    expect(conditionHolds('${{ cancelled() }}', {}, { failed: false, cancelled: true })).toBe(true);
    expect(conditionHolds(undefined, {}, { failed: true, cancelled: false })).toBe(false);
  });
});

describe('scheduling', () => {
  it('orders jobs after what they need and expands matrices', () => {
    const wf = parseWorkflow(`
jobs:
  c: { needs: [a, b], steps: [] }
  b: { needs: a, steps: [] }
  a: { strategy: { matrix: { mode: [single, multi], n: [1, 2] } }, steps: [] }
`);
    expect(jobOrder(wf)).toEqual(['a', 'b', 'c']);
    expect(matrixLegs(wf.jobs['a'] as never)).toHaveLength(4);
  });

  it('skips the jobs after a skipped or failed one unless they say always(); a failed step skips the rest of its job', async () => {
    const wf = parseWorkflow(`
jobs:
  v: { steps: [{ id: d, run: 'echo train=false' }], outputs: { train: '\${{ steps.d.outputs.train }}' } }
  t: { needs: v, if: "needs.v.outputs.train == 'true'", steps: [{ run: train }] }
  r: { needs: t, steps: [{ run: replay }] }
  d:
    needs: [v, t]
    if: always() && needs.v.result == 'success' && (needs.t.result == 'success' || needs.t.result == 'skipped')
    steps: [{ run: 'exit 1' }, { run: never }, { if: failure(), run: cleanup }]
  s: { needs: d, steps: [{ run: smoke }] }
`);
    const { ran, hooks } = recordingHooks();
    const r = await runWorkflow(wf, event, hooks);
    expect(ran).toEqual(['v: echo train=false', 'd: exit 1', 'd: cleanup']);
    expect(Object.fromEntries(Object.entries(r.jobs).map(([k, v]) => [k, v.result]))).toEqual({
      v: 'success',
      t: 'skipped',
      r: 'skipped',
      d: 'failure',
      s: 'skipped',
    });
  });

  it('a rejected environment fails its job and skips what needs it; matrix legs each set their own outputs', async () => {
    const wf = parseWorkflow(`
jobs:
  t:
    strategy: { matrix: { mode: [single, multi] } }
    outputs: { model-single: '\${{ steps.a.outputs.model-single }}', model-multi: '\${{ steps.a.outputs.model-multi }}' }
    steps: [{ id: a, run: 'echo model-\${{ matrix.mode }}=s3://b/\${{ matrix.mode }}' }]
  approve: { needs: t, environment: model-approval, steps: [{ run: approve }] }
  deploy: { needs: approve, steps: [{ run: deploy }] }
`);
    const { hooks } = recordingHooks({ 'model-approval': false });
    const r = await runWorkflow(wf, event, hooks);
    expect(r.jobs['t']?.outputs).toEqual({ 'model-single': 's3://b/single', 'model-multi': 's3://b/multi' });
    expect(r.jobs['approve']?.result).toBe('failure');
    expect(r.jobs['deploy']?.result).toBe('skipped');
  });
});

describe("deploy.yml's graph", () => {
  const deploy = parseWorkflow(readFileSync(join(workspaceRoot(), '.github/workflows/deploy.yml'), 'utf8'));

  it('parses every condition and expression of the workflow with GitHub’s evaluator', async () => {
    const hooks: RunnerHooks = {
      run: async () => ({ result: 'success' }),
      use: async () => ({ result: 'success' }),
      approve: async () => true,
    };
    const r = await runWorkflow(deploy, event, hooks);
    expect(r.order[0]).toBe('validate');
    expect(r.jobs['validate']?.result).toBe('success');
  });
});
