// Runs the bundled handler the way the Lambda runtime does, in this fresh process:
//   node run-bundle.mjs BUNDLE EVENTS_JSON OUT_JSON [REPEAT]
// EVENTS_JSON holds an array of events; each is invoked in order (the first one is the cold start), then the
// last event is invoked REPEAT more times for latency samples. OUT_JSON gets the results and the timings.
// Results go to a file because the handler's logs and EMF metrics own stdout. CPU times (user + system, all threads)
// come with the wall times: on a shared machine they vary far less.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, eventsFile, outFile, repeatArg] = process.argv.slice(2);
if (!bundle || !eventsFile || !outFile) {
  process.stderr.write('usage: node run-bundle.mjs BUNDLE EVENTS_JSON OUT_JSON [REPEAT]\n');
  process.exit(2);
}
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const repeat = Number(repeatArg ?? 0);

let n = 0;
const context = () => ({
  awsRequestId: `bundle-req-${++n}`,
  functionName: 'dogbreed-invoker',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dogbreed-invoker',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/dogbreed-invoker',
  logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
});

const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const loadedAt = performance.now();
const loadCpuMs = cpuMs(cpu0);
const results = [];
let firstDoneAt;
let initCpuMs;
for (const event of events) {
  results.push(await handler(event, context()));
  firstDoneAt ??= performance.now();
  initCpuMs ??= cpuMs(cpu0);
}
const latenciesMs = [];
const last = events[events.length - 1];
for (let i = 0; i < repeat; i++) {
  const s = performance.now();
  const r = await handler(last, context());
  latenciesMs.push(performance.now() - s);
  if (r.statusCode !== 200) throw new Error(`repeat invocation failed: ${r.body}`);
}
writeFileSync(
  outFile,
  JSON.stringify({
    loadMs: loadedAt - t0,
    firstInvokeMs: (firstDoneAt ?? loadedAt) - loadedAt,
    initMs: (firstDoneAt ?? loadedAt) - t0,
    loadCpuMs,
    initCpuMs: initCpuMs ?? loadCpuMs,
    results,
    latenciesMs,
  }),
);
