import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { WorkerDataSchema, type FunctionError, type InvokeMessage, type ResultMessage } from './protocol.js';

/**
 * One Lambda execution environment (a worker thread with its own process.env). The first invocation pays the cold
 * start: importing the function bundle and running its module-level code. Later ones reuse the loaded handler.
 */
type Handler = (event: unknown, context: Record<string, unknown>) => unknown;

const data = WorkerDataSchema.parse(workerData);
const port = parentPort;
if (!port) throw new Error('environment-worker must run in a worker thread');

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
  try {
    handler ??= loadHandler();
    const fn = await handler;
    const result = await fn(msg.event, context(msg));
    // What Lambda returns is the JSON serialisation of the result.
    reply = { id: msg.id, ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
  } catch (err) {
    const e = toFunctionError(err);
    reply = { id: msg.id, ok: false, error: cold && initMs === undefined ? { ...e, errorType: `Runtime.ImportModuleError` } : e };
  }
  if (cold && initMs !== undefined) reply = { ...reply, initMs };
  port.postMessage(reply);
});
