/**
 * `npm start`: the whole deployed topology on 127.0.0.1. Prints exactly one stdout line,
 * `LOCAL_STACK_READY url=http://127.0.0.1:PORT`, once every endpoint is InService; everything else goes to stderr.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlatformSpec } from '@dogbreed/platform-spec';
import { cliSpecOverride, parseCli, USAGE } from './cli.js';
import { describeDataCapture, withCaptureDir } from './endpoints/data-capture.js';
import { CliUsageError, LocalStackError } from './errors.js';
import { stderrLog } from './log.js';
import { DEFAULT_MODEL_KIND, describeModel, ensureModels, trainYourOwnHint } from './models.js';
import { LocalStack } from './stack.js';

const here = dirname(fileURLToPath(import.meta.url));
const log = stderrLog();
let stack: LocalStack | undefined;

function workspaceRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new LocalStackError(`workspace root (nx.json) not found above ${from}`);
    dir = up;
  }
  return dir;
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  if (cli.help) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  const root = workspaceRoot(here);
  // --models-dir is the state dir the user chose: data capture (request bodies) goes there, not into the checkout.
  const spec = withCaptureDir(loadPlatformSpec(process.env, cliSpecOverride(cli)), {
    root,
    stateDir: cli.modelsDir,
  });
  // First, before anything is built or written: where the request bodies this run captures will go.
  log(describeDataCapture(spec));
  const dist = join(root, 'dist', 'apps');
  const paths = {
    modelServerMain: join(dist, 'model-server', 'main.js'),
    invokerBundle: join(dist, 'invoker', 'index.mjs'),
    launcherMain: join(dist, 'launcher', 'main.js'),
    workerPath: join(here, 'lambda', 'environment-worker.js'),
    dashboardDir: join(here, 'dashboard'),
  };
  for (const [what, p] of Object.entries(paths)) {
    if (what !== 'launcherMain' && !existsSync(p)) {
      throw new LocalStackError(
        `${p} is missing: build first (npm start does: npx nx run-many -t build -p model-server invoker launcher local-stack)`,
      );
    }
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down (stopping instances and execution environments)`);
    const done = stack ? stack.stop() : Promise.resolve();
    done.then(
      () => {
        log('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log(`error while stopping: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  log(`[1/3] models`);
  const models = await ensureModels(spec, {
    root,
    modelsDir: cli.modelsDir,
    create: cli.train,
    python: process.env['DOGBREED_PYTHON'] ?? join(root, '.venv', 'bin', 'python'),
    log,
  });
  for (const m of models) {
    log(
      `  ${spec.endpoints[m.mode].name} serves ${m.dir}: ${m.metadata.modelVersion} (${m.metadata.numClasses} classes) — ${describeModel(m.metadata)}`,
    );
  }
  if (models.some((m) => m.metadata.kind === DEFAULT_MODEL_KIND)) {
    log(`  ${trainYourOwnHint({ single: models[0]?.dir ?? '', multi: models[1]?.dir ?? '' })}`);
  }
  if (stopping) return;
  log(`[2/3] starting endpoints, Lambda runtime and router`);
  const modelDirs = { single: models[0]?.dir ?? '', multi: models[1]?.dir ?? '' };
  const modelInfo = Object.fromEntries(
    models.map((m) => [
      m.mode,
      {
        modelVersion: m.metadata.modelVersion,
        kind: m.metadata.kind ?? 'trained',
        description: describeModel(m.metadata),
        classes: m.metadata.numClasses,
      },
    ]),
  );
  stack = new LocalStack({ spec, modelDirs, models: modelInfo, ...paths, log });
  await stack.boot();
  log(
    `[3/3] ready: dashboard ${stack.url}/ — InvokeEndpoint at ${stack.url}/endpoints/{name}/invocations, ` +
      `Lambda Invoke at ${stack.url}/2015-03-31/functions/${spec.invoker.functionName}/invocations, ` +
      `function URL ${stack.url}/function-url/`,
  );
  process.stdout.write(`LOCAL_STACK_READY url=${stack.url}\n`);
}

main().catch(async (err: unknown) => {
  if (err instanceof CliUsageError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  await stack?.stop().catch(() => undefined);
  process.exit(1);
});
