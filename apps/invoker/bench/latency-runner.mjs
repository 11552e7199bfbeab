// Added latency, interleaved so that machine noise hits both sides alike: in one warm Node process, each round
// calls the bundled handler once and the same InvokeEndpoint directly with the SDK once (same server, same raw
// image body, Content-Type and CustomAttributes as the handler sends).
// Each side's CPU time (user + system) is summed too: the mean per call varies far less than wall time on a shared
// machine. Two phases: EARLY rounds right after 20 warm-up rounds, while V8 still runs most of the request path in
// its lower tiers, then WARM rounds (kept only as a curve of p50s), then STEADY rounds, once the hot path is optimised (a warm Lambda
// environment under load spends nearly all its calls there; the per-call curve is in the README).
//   node latency-runner.mjs BUNDLE EVENT_JSON BODY_FILE CONTENT_TYPE CUSTOM_ATTRIBUTES OUT_JSON EARLY WARM STEADY
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile, bodyFile, contentType, customAttributes, outFile, earlyArg, warmArg, steadyArg] =
  process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const body = readFileSync(bodyFile);
const client = new SageMakerRuntimeClient({});
const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 };
const direct = async () => {
  const out = await client.send(
    new InvokeEndpointCommand({
      EndpointName: process.env.DOGBREED_ENDPOINT_SINGLE,
      Body: body,
      ContentType: contentType,
      Accept: 'application/json',
      CustomAttributes: customAttributes,
    }),
  );
  JSON.parse(Buffer.from(out.Body).toString('utf8'));
};
const viaHandler = async () => {
  const r = await handler(event, context);
  if (r.statusCode !== 200) throw new Error(`handler failed: ${r.body}`);
};
for (let i = 0; i < 20; i++) {
  await viaHandler();
  await direct();
}
/** ROUNDS interleaved rounds, each side's order swapped every other round. */
async function phase(rounds) {
  const handlerMs = [];
  const directMs = [];
  const cpuUs = { handler: 0, direct: 0 };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [viaHandler, direct] : [direct, viaHandler];
    for (const fn of order) {
      const c = process.cpuUsage();
      const s = performance.now();
      await fn();
      (fn === viaHandler ? handlerMs : directMs).push(performance.now() - s);
      const used = process.cpuUsage(c);
      cpuUs[fn === viaHandler ? 'handler' : 'direct'] += used.user + used.system;
    }
  }
  return {
    handlerMs,
    directMs,
    handlerCpuMsMean: cpuUs.handler / 1000 / rounds,
    directCpuMsMean: cpuUs.direct / 1000 / rounds,
  };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const early = await phase(Number(earlyArg));
// The warm-up's own samples only as a curve: p50 per 250 rounds, from the first early round on.
const warm = await phase(Number(warmArg));
const all = {
  handlerMs: [...early.handlerMs, ...warm.handlerMs],
  directMs: [...early.directMs, ...warm.directMs],
};
const curve = [];
for (let from = 0; from < all.handlerMs.length; from += 250) {
  curve.push({
    fromRound: from,
    handlerP50Ms: median(all.handlerMs.slice(from, from + 250)),
    directP50Ms: median(all.directMs.slice(from, from + 250)),
  });
}
const steady = await phase(Number(steadyArg));
writeFileSync(outFile, JSON.stringify({ early, steady, curve }));
