/**
 * Decides whether the deploy pipeline trains new models: only when the training package, the launcher or the spec
 * changed (per `nx show projects --affected --json`), or when a workflow_dispatch forces it.
 *
 * usage: tsx tools/gha/train-decision.ts --affected affected.json --force true|false
 * outputs: train (true|false), reason
 */
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { z } from 'zod';
import { readFlags } from './args.js';

/** Projects whose change means the models must be retrained. */
export const TRAINING_INPUTS = ['training', 'launcher', 'platform-spec'] as const;

export interface TrainDecision {
  readonly train: boolean;
  readonly reason: string;
}

export function decideTraining(affected: readonly string[], forced: boolean): TrainDecision {
  if (forced) return { train: true, reason: 'forced by workflow_dispatch input force-train' };
  const hit = TRAINING_INPUTS.filter((p) => affected.includes(p));
  return hit.length > 0
    ? { train: true, reason: `affected: ${hit.join(', ')}` }
    : { train: false, reason: `none of ${TRAINING_INPUTS.join(', ')} is affected` };
}

export function parseAffected(json: string): string[] {
  return z.array(z.string()).parse(JSON.parse(json));
}

export function main(argv = process.argv.slice(2)): void {
  const flags = readFlags(
    argv,
    ['affected', 'force'],
    'train-decision.ts --affected FILE --force true|false',
  );
  if (!flags.affected)
    throw new Error('--affected FILE is required (output of nx show projects --affected --json)');
  const decision = decideTraining(
    parseAffected(readFileSync(flags.affected, 'utf8')),
    flags.force === 'true',
  );
  core.setOutput('train', String(decision.train));
  core.setOutput('reason', decision.reason);
  core.info(`train=${decision.train}: ${decision.reason}`);
}

if (process.argv[1]?.endsWith('train-decision.ts')) {
  try {
    main();
  } catch (err) {
    core.setFailed((err as Error).message);
  }
}
