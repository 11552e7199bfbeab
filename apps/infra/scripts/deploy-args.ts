/**
 * The `cdk deploy` command line of `nx run infra:deploy --args="..."`: Nx appends the args to the target's command, so
 * the target itself must not carry a flag the args may repeat (the CDK CLI accepts `--require-approval` once) nor
 * `--all` (it conflicts with named stacks). This builds the one command line from what the caller gave:
 *   - the stacks named, or `--all` only when the caller says so (a deploy of everything needs the artifacts first);
 *   - `--require-approval never` unless the caller chose a level (CI is non-interactive);
 *   - the serving stack only with both model artifacts as context, so no endpoint is created or updated to a key
 *     that nothing wrote: what the caller gave (fresh training), else what the last successful deploy recorded in SSM
 *     (serving-artifacts.ts resolves and checks them).
 */
import { MODEL_DATA_CONTEXT } from '@dogbreed/infra-constructs';
import { TrainingMode } from '@dogbreed/platform-spec';

/** A command line the wrapper refuses, with what to do instead. */
export class DeployUsageError extends Error {
  override readonly name = 'DeployUsageError';
}

/** `cdk deploy` options that take a value (`--flag value`); the rest are switches. */
const VALUE_FLAGS = new Set([
  '--require-approval',
  '--context',
  '-c',
  '--outputs-file',
  '-O',
  '--profile',
  '--role-arn',
  '-r',
  '--concurrency',
  '--method',
  '-m',
  '--toolkit-stack-name',
  '--parameters',
  '--tags',
  '-t',
  '--notification-arns',
  '--progress',
  '--asset-parallelism',
  '--exclude',
  '-E',
]);

export interface DeployArgsOptions {
  /** The stack names of the app (`<project>-<part>`), for the error messages and the first-deploy order. */
  readonly stackOrder: readonly string[];
  /** The serving stack: deployed only with both model artifacts as context. */
  readonly servingStack: string;
}

interface ParsedArgs {
  readonly stacks: string[];
  readonly all: boolean;
  readonly requireApproval: boolean;
  readonly context: Map<string, string>;
  readonly rest: string[];
}

function parse(args: readonly string[]): ParsedArgs {
  const stacks: string[] = [];
  const rest: string[] = [];
  const context = new Map<string, string>();
  let all = false;
  let requireApproval = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    const [flag, inline] =
      arg.startsWith('-') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (flag === '--all') {
      all = true;
      continue;
    }
    if (!flag.startsWith('-')) {
      stacks.push(flag);
      continue;
    }
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? args[i + 1];
      if (value === undefined) throw new DeployUsageError(`${flag} needs a value`);
      if (inline === undefined) i += 1;
      if (flag === '--require-approval') requireApproval = true;
      if (flag === '--context' || flag === '-c') {
        const eq = value.indexOf('=');
        if (eq < 1) throw new DeployUsageError(`${flag} takes KEY=VALUE (got "${value}")`);
        context.set(value.slice(0, eq), value.slice(eq + 1));
      }
      rest.push(flag, value);
      continue;
    }
    rest.push(arg);
  }
  return { stacks, all, requireApproval, context, rest };
}

/** What `cdk deploy` will run, and which model artifacts the serving stack still needs. */
export interface DeployPlan {
  /** The arguments after `cdk`, starting with `deploy` (without the model context still to resolve). */
  readonly argv: readonly string[];
  /** The serving stack is part of the deploy: both model URIs must be known before cdk runs. */
  readonly deploysServing: boolean;
  /** Model URIs given as context (`modelDataUrlSingle` / `modelDataUrlMulti`). */
  readonly givenModels: Partial<Record<TrainingMode, string>>;
}

/** Parses the caller's args into the plan, or DeployUsageError saying what to pass instead (pure). */
export function planDeploy(args: readonly string[], options: DeployArgsOptions): DeployPlan {
  const p = parse(args);
  if (p.all && p.stacks.length > 0) throw new DeployUsageError('give either stack names or --all, not both');
  if (!p.all && p.stacks.length === 0) {
    throw new DeployUsageError(
      `name the stacks to deploy, e.g. --args="${options.stackOrder[2] ?? ''} --exclusively" (first deploy, in this order: ${options.stackOrder.join(', ')}; ` +
        `${options.servingStack} only once both models are trained)`,
    );
  }
  const unknown = p.stacks.filter((s) => !options.stackOrder.includes(s));
  if (unknown.length > 0)
    throw new DeployUsageError(
      `no stack ${unknown.join(', ')} in the app (stacks: ${options.stackOrder.join(', ')})`,
    );
  const givenModels: Partial<Record<TrainingMode, string>> = {};
  for (const mode of TrainingMode.options) {
    const uri = p.context.get(MODEL_DATA_CONTEXT[mode]);
    if (uri) givenModels[mode] = uri;
  }
  return {
    argv: [
      'deploy',
      ...(p.all ? ['--all'] : p.stacks),
      ...p.rest,
      ...(p.requireApproval ? [] : ['--require-approval', 'never']),
    ],
    deploysServing: p.all || p.stacks.includes(options.servingStack),
    givenModels,
  };
}

/** The plan's argv with every resolved model URI not given by the caller appended as context. */
export function withModelContext(plan: DeployPlan, models: Readonly<Record<TrainingMode, string>>): string[] {
  const added = TrainingMode.options
    .filter((m) => !plan.givenModels[m])
    .flatMap((m) => ['--context', `${MODEL_DATA_CONTEXT[m]}=${models[m]}`]);
  return [...plan.argv, ...added];
}
