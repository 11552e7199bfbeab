import { checkModelMetadata, METADATA_FILE, MODEL_FILE, type ModelMetadata } from '@dogbreed/platform-spec';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LaunchContext } from '../context.js';
import { InterruptedError, MissingLocalInputError, TrainingFailedError } from '../errors.js';
import { effectiveHyperparameters } from '../hyperparameters.js';
import { pythonPath } from '../paths.js';
import { formatMetricLine, LineSplitter, parseMetricLine } from '../training-log.js';
import { DEFAULT_LOCAL_PROCESSES, localCommand, localEnv, type LocalRunPlan } from './command.js';

export function planLocal(ctx: LaunchContext, env: NodeJS.ProcessEnv = process.env): LocalRunPlan {
  const { args, spec } = ctx;
  const plan: LocalRunPlan = {
    python: pythonPath(env),
    trainingDir: ctx.trainingDir,
    mode: args.mode,
    dataDir: args.dataDir ?? '',
    modelDir: args.modelDir ?? '',
    processes: args.mode === 'multi' ? (args.processes ?? DEFAULT_LOCAL_PROCESSES) : 1,
    hyperparameters: effectiveHyperparameters(spec.training.hyperparameters, args.hyperparameters),
  };
  if (args.pretrainedWeights) plan.pretrainedWeights = args.pretrainedWeights;
  return plan;
}

/** Checks the model dir the training wrote: model.onnx present, metadata.json valid. */
export function validateModelDir(dir: string): ModelMetadata {
  if (!existsSync(join(dir, MODEL_FILE)))
    throw new TrainingFailedError(`training finished but ${join(dir, MODEL_FILE)} is missing`);
  const metaPath = join(dir, METADATA_FILE);
  if (!existsSync(metaPath)) throw new TrainingFailedError(`training finished but ${metaPath} is missing`);
  const checked = checkModelMetadata(readFileSync(metaPath, 'utf8'), metaPath);
  if (!checked.ok) throw new TrainingFailedError(checked.message, { cause: checked.cause });
  return checked.metadata;
}

/** Runs the training here, streaming its output with a progress line per epoch; returns the model dir. */
export async function runLocal(ctx: LaunchContext, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const plan = planLocal(ctx, env);
  const { io } = ctx;
  if (!existsSync(plan.python)) {
    throw new MissingLocalInputError(
      `python not found at ${plan.python} (set DOGBREED_PYTHON or run tools/setup.sh)`,
    );
  }
  if (!existsSync(join(plan.trainingDir, 'train.py')))
    throw new MissingLocalInputError(`${plan.trainingDir}/train.py not found`);
  if (!existsSync(plan.dataDir))
    throw new MissingLocalInputError(`data dir ${resolve(plan.dataDir)} does not exist`);
  const { command, args } = localCommand(plan);
  io.err(`running: ${command} ${args.join(' ')}`);
  const child = spawn(command, args, { env: localEnv(plan, env), stdio: ['ignore', 'pipe', 'pipe'] });
  const shownEpochs = new Set<number>();
  const total = plan.hyperparameters.epochs;
  const onLine = (line: string): void => {
    if (!line.trim()) return;
    io.err(`  | ${line}`);
    const metric = parseMetricLine(line);
    if (!metric) return;
    if (metric.epoch !== undefined) {
      if (shownEpochs.has(metric.epoch)) return;
      shownEpochs.add(metric.epoch);
    }
    io.err(formatMetricLine(metric, total));
  };
  const wire = (stream: NodeJS.ReadableStream): void => {
    const splitter = new LineSplitter();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => splitter.push(chunk).forEach(onLine));
    stream.on('end', () => splitter.flush().forEach(onLine));
  };
  wire(child.stdout);
  wire(child.stderr);
  let interrupted = false;
  const stopWatching = ctx.interrupts;
  const watcher = setInterval(() => {
    if (stopWatching.take()) {
      interrupted = true;
      child.kill('SIGINT');
    }
  }, 200);
  try {
    const code = await new Promise<number | null>((res, rej) => {
      child.on('error', rej);
      child.on('close', (c, signal) => res(c ?? (signal ? 128 : null)));
    });
    if (interrupted) throw new InterruptedError('local training interrupted');
    if (code !== 0) throw new TrainingFailedError(`local training exited with code ${code}`);
  } finally {
    clearInterval(watcher);
  }
  const dir = resolve(plan.modelDir);
  const meta = validateModelDir(dir);
  io.err(
    `model ${meta.modelVersion} (${meta.architecture}, ${meta.numClasses} classes, ${meta.trainingMode}) written to ${dir}`,
  );
  return dir;
}
