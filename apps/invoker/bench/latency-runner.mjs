// Added latency, interleaved so that machine noise hits both sides alike: in one warm Node process, each round
// calls the bundled handler once and the same InvokeEndpoint directly with the SDK once (same server, same raw
// image body, Content-Type and CustomAttributes as the handler sends).
// Each side's CPU time (user + system) is summed too: the mean per call varies far less than wall time on a shared
// machine.
//   node latency-runner.mjs BUNDLE EVENT_JSON BODY_FILE CONTENT_TYPE CUSTOM_ATTRIBUTES OUT_JSON ROUNDS
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile, bodyFile, contentType, customAttributes, outFile, roundsArg] =
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
const handlerMs = [];
const directMs = [];
const cpuUs = { handler: 0, direct: 0 };
const rounds = Number(roundsArg);
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
writeFileSync(
  outFile,
  JSON.stringify({
    handlerMs,
    directMs,
    handlerCpuMsMean: cpuUs.handler / 1000 / rounds,
    directCpuMsMean: cpuUs.direct / 1000 / rounds,
  }),
);
