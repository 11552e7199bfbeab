/**
 * CI: when a change touches the spec's autoscaling, run the what-if simulator (`apps/capacity`) on the standard
 * traces for the base commit's policy and the head's, and write the comparison to the job summary. The base policy
 * is read by evaluating the base commit's own platform-spec sources (git archive), so any way of changing it
 * (defaults, schema defaults) is seen; fields the base did not know yet take the values that mean "off".
 *
 * usage: tsx tools/gha/capacity-diff.ts --base <commit> [--out dist/capacity-ci]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { readFlags } from './args.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What the policy options mean when absent (a base commit from before they existed): target tracking, no schedule. */
export const ABSENT_MEANS = { policy: { type: 'target-tracking' }, schedule: [] } as const;

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k] as Json)]),
    );
  return v;
}

/** The autoscaling object with absent options filled in and keys sorted, so equal policies compare equal. */
export function canonicalAutoscaling(raw: { [k: string]: Json }): { [k: string]: Json } {
  return sortKeys({ ...(ABSENT_MEANS as unknown as { [k: string]: Json }), ...raw }) as { [k: string]: Json };
}

export function autoscalingChanged(base: { [k: string]: Json }, head: { [k: string]: Json }): boolean {
  return JSON.stringify(canonicalAutoscaling(base)) !== JSON.stringify(canonicalAutoscaling(head));
}

/** The simulator's arguments comparing the two policies (and nothing else) on the standard traces. */
export function simulatorArgs(
  base: { [k: string]: Json },
  head: { [k: string]: Json },
  out: string,
): string[] {
  return [
    'tsx',
    '--tsconfig',
    'apps/capacity/tsconfig.json',
    'apps/capacity/src/cli/main.ts',
    'simulate',
    '--no-spec-policy',
    '--policy',
    `base=${JSON.stringify(canonicalAutoscaling(base))}`,
    '--policy',
    `head=${JSON.stringify(canonicalAutoscaling(head))}`,
    '--title',
    'Autoscaling what-if: base vs head (standard traces)',
    '--out',
    out,
  ];
}

const PRINT_AUTOSCALING =
  "import('./libs/platform-spec/src/index.ts').then((m) => process.stdout.write(JSON.stringify((m.buildSpec ?? m.default.buildSpec)().autoscaling)))";

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.slice(0, 4).join(' ')} … failed in ${cwd}: ${r.stderr || r.error?.message}`,
    );
  return r.stdout;
}

/** `spec.autoscaling` (defaults) as the sources at `commit` define it. */
export function autoscalingAt(commit: string, root: string): { [k: string]: Json } {
  const dir = mkdtempSync(join(tmpdir(), 'spec-base-'));
  try {
    const tar = spawnSync('git', ['archive', '--format=tar', commit, 'libs/platform-spec/src'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (tar.status !== 0) throw new Error(`git archive ${commit} failed: ${tar.stderr.toString()}`);
    const x = spawnSync('tar', ['-x', '-C', dir], { input: tar.stdout });
    if (x.status !== 0) throw new Error(`tar -x failed: ${x.stderr.toString()}`);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    return JSON.parse(run(join(root, 'node_modules', '.bin', 'tsx'), ['-e', PRINT_AUTOSCALING], dir)) as {
      [k: string]: Json;
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv = process.argv.slice(2), root = process.cwd()): Promise<void> {
  const flags = readFlags(argv, ['base', 'out'], 'capacity-diff.ts --base <commit> [--out DIR]');
  if (!flags.base) throw new Error('--base <commit> is required (NX_BASE from nrwl/nx-set-shas)');
  const out = flags.out ?? 'dist/capacity-ci';
  const base = autoscalingAt(flags.base, root);
  const head = JSON.parse(
    run(join(root, 'node_modules', '.bin', 'tsx'), ['-e', PRINT_AUTOSCALING], root),
  ) as { [k: string]: Json };
  if (!autoscalingChanged(base, head)) {
    core.info(`spec autoscaling unchanged since ${flags.base}: no what-if to run`);
    return;
  }
  core.info(`spec autoscaling changed since ${flags.base}: simulating base and head policies`);
  run('npx', simulatorArgs(base, head, out), root);
  const md = readFileSync(join(out, 'simulation.md'), 'utf8');
  process.stdout.write(md);
  if (process.env['GITHUB_STEP_SUMMARY']) await core.summary.addRaw(md, true).write();
}

if (process.argv[1]?.endsWith('capacity-diff.ts')) {
  main().catch((err: unknown) => core.setFailed((err as Error).message));
}
