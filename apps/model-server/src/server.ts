import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MODEL_SERVER_LISTENING_MSG } from '@dogbreed/platform-spec';
import { createHandler, type ServingState } from './app.js';
import { effectiveThreads, type ServerConfig } from './config.js';
import type { Logger } from './logger.js';
import { loadModelDir } from './model/model-dir.js';
import { startModel } from './model/model.js';

/** How long SIGTERM waits for in-flight requests before cutting connections. */
const DRAIN_TIMEOUT_MS = 30_000;
const DRAIN_POLL_MS = 20;

export interface RunningServer {
  readonly port: number;
  readonly state: ServingState;
  /** Resolves when the model is loaded and warmed up (/ping 200); rejects with the StartupError. */
  readonly ready: Promise<void>;
  /** Stop accepting, finish in-flight requests, release the model. */
  shutdown(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Listens first (so /ping answers 503 while loading, as SageMaker expects), then loads and warms up the model.
 * Logs `{"msg":"listening","port":N}` once bound: with port 0 that line is how a parent learns the port.
 */
export async function startServer(
  config: ServerConfig,
  logger: Logger,
  workerUrl: URL,
): Promise<RunningServer> {
  const state: ServingState = { model: undefined, shuttingDown: false, inFlight: 0 };
  const server = createServer(createHandler(config, state, logger));
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, config.port, config.host);
  // A contract line (the local stack reads the port from it): printed whatever LOG_LEVEL says.
  logger.child({}, { level: 'info' }).info({ port, host: config.host }, MODEL_SERVER_LISTENING_MSG);

  const threads = effectiveThreads(config.intraOpThreads);
  const ready = (async () => {
    const started = Date.now();
    const dir = await loadModelDir(config.modelDir);
    const model = await startModel(dir, {
      workerUrl,
      intraOpThreads: threads,
      sessions: config.inferenceSessions,
      soloIntraOpThreads: config.soloIntraOpThreads,
      soloSpinning: config.soloSpinning,
      maxQueueDepth: config.maxQueueDepth,
      batching: config.batching,
    });
    if (state.shuttingDown) {
      await model.close();
      return;
    }
    state.model = model;
    const m = model.metadata;
    logger.info(
      {
        modelVersion: m.modelVersion,
        classes: m.numClasses,
        input: [m.input.height, m.input.width],
        intraOpThreads: threads,
        sessions: model.sessions,
        soloIntraOpThreads: model.soloIntraOpThreads,
        soloSpinning: config.soloSpinning,
        maxBatchSize: model.maxBatchSize,
        loadMs: Date.now() - started,
      },
      'model ready',
    );
  })();

  const shutdown = async () => {
    state.shuttingDown = true;
    const closed = new Promise<void>((r) => server.close(() => r()));
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (state.inFlight > 0 && Date.now() < deadline) {
      server.closeIdleConnections();
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
    server.closeAllConnections();
    await closed;
    await state.model?.idle();
    await state.model?.close();
  };
  return { port, state, ready, shutdown };
}
