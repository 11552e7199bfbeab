/**
 * The model server process: SageMaker's bring-your-own-container inference contract (GET /ping,
 * POST /invocations, GET /execution-parameters). Settings: spec.modelServer, overridden by MODEL_SERVER_ENV.
 * Wiring only; the logic lives in the modules imported here.
 */
import { loadPlatformSpec } from '@dogbreed/platform-spec';
import sharp from 'sharp';
import { resolveConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { startServer } from './server.js';

function fail(err: unknown, logger?: Logger): never {
  const message = err instanceof Error ? err.message : String(err);
  logger?.fatal({ err }, 'model server failed');
  process.stderr.write(`model-server: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  // Every request carries a different image: libvips' operation cache would only hold memory.
  sharp.cache(false);
  let logger: Logger | undefined;
  try {
    const config = resolveConfig(loadPlatformSpec(process.env), process.env);
    logger = createLogger(config.logLevel);
    const log = logger;
    const server = await startServer(config, log, new URL('./model/inference-worker.js', import.meta.url));
    const stop = (signal: string) => {
      log.info({ signal, inFlight: server.state.inFlight }, 'shutting down');
      server.shutdown().then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (err: unknown) => fail(err, log),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    await server.ready;
  } catch (err) {
    fail(err, logger);
  }
}

void main();
