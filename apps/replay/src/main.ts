#!/usr/bin/env node
/**
 * dogbreed-replay's entry point: wiring only (see cli.ts). SIGINT/SIGTERM abort the replay, which stops the model
 * servers it started; an exit on any other path kills them too.
 */
import { EXIT_CODES } from './errors.js';
import { runCli } from './cli.js';
import { killAllServers } from './targets.js';

const abort = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  process.stderr.write(`replay: ${signal}: stopping after the request in flight\n`);
  abort.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', killAllServers);

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  signal: abort.signal,
});
process.exit(abort.signal.aborted && code === EXIT_CODES.pass ? EXIT_CODES.noVerdict : code);
