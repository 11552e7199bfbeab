/**
 * Plays a GitHub Actions workflow file the way GitHub schedules it, for the offline rehearsals: the job graph
 * (`needs`), job and step `if:` conditions with the status functions (`success()`, `always()`, `failure()`,
 * `cancelled()`, and the implicit `success() &&` GitHub adds to a condition without one), single-axis matrices (every
 * leg runs, `fail-fast: false`), step and job outputs, environments (an approval hook stands for the reviewers), and
 * `${{ }}` expressions evaluated by GitHub's own expression library (`@actions/expressions`), so a condition or an
 * expression the workflow spells differently from what GitHub accepts fails here too.
 *
 * What a step does is the caller's: `run:` scripts and `uses:` actions go through hooks (the rehearsal runs our
 * tools for real and stands in for third-party actions). Nothing here knows about AWS.
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import { parse } from 'yaml';
import { GhaError } from '../gha/errors.js';

/** A job's or step's conclusion, as GitHub reports it in `needs.<job>.result` and `steps.<id>.outcome`. */
export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface WorkflowStep {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string | boolean;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string | number | boolean>;
  readonly with?: Record<string, string | number | boolean>;
}

export interface WorkflowJob {
  readonly needs?: string | string[];
  readonly if?: string | boolean;
  readonly environment?: string | { name: string };
  readonly container?: string | { image: string };
  readonly 'runs-on'?: string;
  readonly 'timeout-minutes'?: number;
  readonly env?: Record<string, string | number | boolean>;
  readonly outputs?: Record<string, string>;
  readonly strategy?: { matrix?: Record<string, (string | number | boolean)[]>; 'fail-fast'?: boolean };
  readonly steps: WorkflowStep[];
}

export interface Workflow {
  readonly name?: string;
  readonly env?: Record<string, string | number | boolean>;
  readonly jobs: Record<string, WorkflowJob>;
}

export function parseWorkflow(yamlText: string): Workflow {
  return parse(yamlText) as Workflow;
}

/** The run's trigger and the values GitHub puts in the `github`, `inputs` and `vars` contexts. */
export interface RunEvent {
  readonly eventName: 'push' | 'workflow_dispatch' | 'schedule';
  readonly inputs?: Readonly<Record<string, string | boolean>>;
  readonly vars?: Readonly<Record<string, string>>;
  readonly runId: string;
  readonly repository: string;
  readonly ref: string;
}

/** What a step sees: the expression contexts of its job at that point. */
export interface StepContext {
  readonly job: string;
  readonly matrix: Readonly<Record<string, string>>;
  readonly environment: string | undefined;
  /** Workflow, job and step `env`, expanded. */
  readonly env: Readonly<Record<string, string>>;
  readonly step: WorkflowStep;
  readonly label: string;
}

export interface StepOutcome {
  readonly result: 'success' | 'failure';
  readonly outputs?: Readonly<Record<string, string>>;
  /** Variables the step adds to the rest of the job's environment (GITHUB_ENV, or what an action exports). */
  readonly exportEnv?: Readonly<Record<string, string>>;
}

export interface RunnerHooks {
  /** A `run:` step, its script already expanded. */
  readonly run: (script: string, ctx: StepContext) => Promise<StepOutcome>;
  /** A `uses:` step, its `with:` already expanded. */
  readonly use: (
    action: string,
    inputs: Readonly<Record<string, string>>,
    ctx: StepContext,
  ) => Promise<StepOutcome>;
  /** The environment's protection rules: true = a reviewer approved the job; false = rejected (the job fails). */
  readonly approve: (job: string, environment: string) => Promise<boolean>;
}

export interface StepRecord {
  readonly label: string;
  readonly result: Result;
}

export interface JobRun {
  readonly job: string;
  readonly matrix: Readonly<Record<string, string>>;
  readonly result: Result;
  readonly steps: readonly StepRecord[];
}

export interface JobResult {
  readonly result: Result;
  readonly outputs: Readonly<Record<string, string>>;
  readonly runs: readonly JobRun[];
}

export interface WorkflowRunResult {
  readonly jobs: Readonly<Record<string, JobResult>>;
  /** Job names in the order they ran (or were skipped). */
  readonly order: readonly string[];
}

/** An expression GitHub would refuse (unknown context or function, bad syntax), or a job graph it would refuse. */
export class WorkflowExpressionError extends GhaError {}

const needsOf = (job: WorkflowJob): string[] =>
  job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];

const environmentOf = (job: WorkflowJob): string | undefined =>
  typeof job.environment === 'string' ? job.environment : job.environment?.name;

const STATUS_FUNCTIONS = /\b(success|always|failure|cancelled)\s*\(/;

/** Evaluates one expression (without `${{ }}`) against the contexts; status functions see `status`. */
export function evaluate(
  expression: string,
  contexts: Record<string, unknown>,
  status: { failed: boolean; cancelled: boolean } = { failed: false, cancelled: false },
): data.ExpressionData {
  const fn = (name: string, value: () => boolean): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value()),
  });
  const functions = [
    fn('success', () => !status.failed && !status.cancelled),
    fn('always', () => true),
    fn('failure', () => status.failed),
    fn('cancelled', () => status.cancelled),
  ];
  try {
    const lexed = new Lexer(expression).lex();
    const tree = new Parser(lexed.tokens, Object.keys(contexts), functions).parse();
    const dictionary = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
    return new Evaluator(tree, dictionary, new Map(functions.map((f) => [f.name, f]))).evaluate();
  } catch (err) {
    throw new WorkflowExpressionError(`\${{ ${expression} }}: ${(err as Error).message}`, { cause: err });
  }
}

/** Replaces every `${{ … }}` in `text` with its value as a string (GitHub's coercion). */
export function expand(text: string, contexts: Record<string, unknown>): string {
  return text.replace(/\$\{\{\s*([\s\S]+?)\s*\}\}/g, (_m, expr: string) =>
    evaluate(expr, contexts).coerceString(),
  );
}

/** A job's or step's `if:`: GitHub adds `success() &&` when the condition names no status function. */
export function conditionHolds(
  condition: string | boolean | undefined,
  contexts: Record<string, unknown>,
  status: { failed: boolean; cancelled: boolean },
): boolean {
  if (condition === undefined) return !status.failed && !status.cancelled;
  const text = String(condition)
    .replace(/^\s*\$\{\{\s*([\s\S]*?)\s*\}\}\s*$/, '$1')
    .trim();
  const full = STATUS_FUNCTIONS.test(text) ? text : `success() && (${text})`;
  return truthy(evaluate(full, contexts, status));
}

/** The matrix legs of a job: one leg without a matrix; the cartesian product of its axes otherwise. */
export function matrixLegs(job: WorkflowJob): Record<string, string>[] {
  let legs: Record<string, string>[] = [{}];
  for (const [axis, values] of Object.entries(job.strategy?.matrix ?? {}))
    legs = legs.flatMap((leg) => values.map((v) => ({ ...leg, [axis]: String(v) })));
  return legs;
}

/** Jobs in an order GitHub could run them: each after every job it needs. */
export function jobOrder(workflow: Workflow): string[] {
  const order: string[] = [];
  const pending = new Set(Object.keys(workflow.jobs));
  while (pending.size > 0) {
    const ready = [...pending].filter((j) =>
      needsOf(workflow.jobs[j] as WorkflowJob).every((n) => order.includes(n)),
    );
    if (ready.length === 0)
      throw new WorkflowExpressionError(`cyclic or unknown needs among ${[...pending]}`);
    for (const j of ready) {
      order.push(j);
      pending.delete(j);
    }
  }
  return order;
}

const stringEnv = (
  env: Record<string, string | number | boolean> | undefined,
  contexts: Record<string, unknown>,
): Record<string, string> =>
  Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, expand(String(v), contexts)]));

/** Runs the workflow's jobs in dependency order; returns every job's result and outputs. */
export async function runWorkflow(
  workflow: Workflow,
  event: RunEvent,
  hooks: RunnerHooks,
): Promise<WorkflowRunResult> {
  const results: Record<string, JobResult> = {};
  const order = jobOrder(workflow);
  const github = {
    event_name: event.eventName,
    run_id: event.runId,
    run_attempt: '1',
    repository: event.repository,
    ref: event.ref,
    server_url: 'https://github.com',
  };
  for (const name of order) {
    const job = workflow.jobs[name] as WorkflowJob;
    const needs = Object.fromEntries(
      needsOf(job).map((n) => [
        n,
        { result: results[n]?.result ?? 'skipped', outputs: results[n]?.outputs ?? {} },
      ]),
    );
    const base = { github, inputs: event.inputs ?? {}, vars: event.vars ?? {}, needs };
    const upstream = Object.values(needs).map((n) => n.result);
    // A job's `success()` is false once a job it needs failed, was cancelled or was skipped (GitHub skips the job).
    const jobStatus = {
      failed: upstream.some((r) => r === 'failure' || r === 'skipped'),
      cancelled: upstream.includes('cancelled'),
    };
    if (!conditionHolds(job.if, base, jobStatus)) {
      results[name] = { result: 'skipped', outputs: {}, runs: [] };
      continue;
    }
    const environment = environmentOf(job);
    if (environment !== undefined && !(await hooks.approve(name, environment))) {
      results[name] = { result: 'failure', outputs: {}, runs: [] };
      continue;
    }
    const runs: JobRun[] = [];
    const outputs: Record<string, string> = {};
    for (const matrix of matrixLegs(job)) {
      const leg = await runLeg(workflow, job, name, matrix, environment, base, hooks);
      runs.push(leg.run);
      // Each leg sets only its own output names; an empty value never overwrites another leg's.
      for (const [k, v] of Object.entries(leg.outputs)) if (v !== '' || !(k in outputs)) outputs[k] = v;
    }
    const result: Result = runs.some((r) => r.result === 'failure') ? 'failure' : 'success';
    results[name] = { result, outputs, runs };
  }
  return { jobs: results, order };
}

async function runLeg(
  workflow: Workflow,
  job: WorkflowJob,
  name: string,
  matrix: Record<string, string>,
  environment: string | undefined,
  base: Record<string, unknown>,
  hooks: RunnerHooks,
): Promise<{ run: JobRun; outputs: Record<string, string> }> {
  const steps: Record<string, { outputs: Record<string, string>; outcome: Result; conclusion: Result }> = {};
  const records: StepRecord[] = [];
  let env: Record<string, string> = {};
  const contexts = (): Record<string, unknown> => ({
    ...base,
    matrix,
    steps,
    env,
    job: { status: 'success' },
  });
  env = { ...stringEnv(workflow.env, contexts()) };
  env = { ...env, ...stringEnv(job.env, contexts()) };
  let failed = false;
  for (const [i, step] of job.steps.entries()) {
    const label = step.name
      ? expand(step.name, contexts())
      : (step.id ?? step.uses ?? step.run ?? `step ${i}`);
    if (!conditionHolds(step.if, contexts(), { failed, cancelled: false })) {
      records.push({ label, result: 'skipped' });
      if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    const stepEnv = { ...env, ...stringEnv(step.env, contexts()) };
    const ctx: StepContext = { job: name, matrix, environment, env: stepEnv, step, label };
    const outcome = step.run
      ? await hooks.run(expand(step.run, contexts()), ctx)
      : await hooks.use(
          step.uses ?? '',
          Object.fromEntries(
            Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(String(v), contexts())]),
          ),
          ctx,
        );
    records.push({ label, result: outcome.result });
    if (step.id)
      steps[step.id] = {
        outputs: { ...outcome.outputs },
        outcome: outcome.result,
        conclusion: outcome.result,
      };
    env = { ...env, ...outcome.exportEnv };
    if (outcome.result === 'failure') failed = true;
  }
  const outputs = Object.fromEntries(
    Object.entries(job.outputs ?? {}).map(([k, v]) => [k, expand(v, contexts())]),
  );
  return { run: { job: name, matrix, result: failed ? 'failure' : 'success', steps: records }, outputs };
}
