#!/usr/bin/env node
/** dogbreed-drift's entry point: wiring only (see cli.ts). */
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
process.exit(code);
