#!/usr/bin/env node
import { runCli } from './cli.js';
import { InterruptSignal, processIo } from './io.js';

/** dogbreed-train: wiring only (see cli.ts). */
const interrupts = new InterruptSignal();
// GitHub cancels a job with SIGINT, then SIGTERM: both reach the wait loop, which stops a job it follows.
process.on('SIGINT', () => interrupts.trigger());
process.on('SIGTERM', () => interrupts.trigger());
const code = await runCli(process.argv.slice(2), { io: processIo(), env: process.env, interrupts });
process.exit(code);
