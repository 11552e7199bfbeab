/**
 * One Lambda execution environment (a worker thread with its own process.env). The first invocation pays the cold
 * start: importing the function bundle and running its module-level code. Later ones reuse the loaded handler.
 * Everything the environment writes (START, the function's output, END, REPORT) still goes to the parent, and its
 * last bytes are returned with each reply for `X-Amz-Log-Type: Tail`.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { endLine, LogTail, reportLine, startLine } from './execution-log.js';
import { WorkerDataSchema, type FunctionError, type InvokeMessage, type ResultMessage } from './protocol.js';

type Handler = (event: unknown, context: Record<string, unknown>) => unknown;

const data = WorkerDataSchema.parse(workerData);
const port = parentPort;
if (!port) throw new Error('environment-worker must run in a worker thread');

const tail = new LogTail(data.logTailBytes);
// Capture at the stream (not console): console, Powertools' logger and direct writes all end up here. One
// environment runs one invocation at a time, so what is written between START and REPORT is that execution's log.
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) tail.append(chunk);
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

let handler: Promise<Handler> | undefined;
let initMs: number | undefined;
const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;

function loadHandler(): Promise<Handler> {
  const t0 = performance.now();
  return import(pathToFileURL(data.bundlePath).href).then((mod: { handler?: unknown }) => {
    initMs = performance.now() - t0;
    if (typeof mod.handler !== 'function') {
      throw Object.assign(new Error(`${data.bundlePath} does not export a function named handler`), {
        name: 'Runtime.HandlerNotFound',
      });
    }
    return mod.handler as Handler;
  });
}

function toFunctionError(err: unknown): FunctionError {
  if (err instanceof Error) {
    return { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: String(err), trace: [] };
}

function context(msg: InvokeMessage): Record<string, unknown> {
  return {
    functionName: data.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${data.region}:000000000000:function:${data.functionName}`,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: msg.requestId,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

port.on('message', async (msg: InvokeMessage) => {
  let reply: ResultMessage;
  const cold = handler === undefined;
  tail.reset();
  process.stdout.write(startLine(msg.requestId));
  const t0 = performance.now();
  try {
    handler ??= loadHandler();
    const fn = await handler;
    const result = await fn(msg.event, context(msg));
    // What Lambda returns is the JSON serialisation of the result.
    reply = {
      id: msg.id,
      ok: true,
      result: result === undefined ? null : JSON.parse(JSON.stringify(result)),
      logResult: '',
    };
  } catch (err) {
    const e = toFunctionError(err);
    const error = cold && initMs === undefined ? { ...e, errorType: `Runtime.ImportModuleError` } : e;
    // Lambda logs an unhandled error as one JSON line before END.
    process.stderr.write(`${new Date().toISOString()}\t${msg.requestId}\tERROR\t${JSON.stringify(error)}\n`);
    reply = { id: msg.id, ok: false, error, logResult: '' };
  }
  // The import is the init phase, reported apart from the invocation's duration.
  const coldInitMs = cold ? initMs : undefined;
  const durationMs = performance.now() - t0 - (coldInitMs ?? 0);
  process.stdout.write(endLine(msg.requestId));
  process.stdout.write(
    reportLine({
      requestId: msg.requestId,
      durationMs,
      memorySizeMb: data.memoryMb,
      maxMemoryUsedMb: getHeapStatistics().used_heap_size / (1024 * 1024),
      initMs: coldInitMs,
    }),
  );
  reply = { ...reply, logResult: tail.base64() };
  if (coldInitMs !== undefined) reply = { ...reply, initMs: coldInitMs };
  port.postMessage(reply);
});
