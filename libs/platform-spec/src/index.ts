/**
 * The platform spec and the contracts between the parts, one entry point: `spec/` holds the spec (one file an area,
 * composed in `spec/index.ts`, its defaults, loading and the rules that use its numbers), `contracts/` what the
 * parts hand each other (the wire, the model dir, artifacts, launch results, env names, resource names, the local
 * stack's admin API, data capture, the training inputs digest).
 */
export * from './errors.js';
export * from './spec/index.js';
export * from './spec/cron.js';
export { DEFAULT_SPEC } from './spec/defaults.js';
export * from './spec/load.js';
export * from './spec/guardrails.js';
export * from './spec/deployment-issues.js';
export * from './contracts/wire.js';
export * from './contracts/http-errors.js';
export * from './contracts/custom-attributes.js';
export * from './contracts/endpoint-choice.js';
export * from './contracts/wire-base64.js';
export * from './contracts/model-dir.js';
export * from './contracts/model-dir-example.js';
export * from './contracts/artifacts.js';
export * from './contracts/launch-result.js';
export * from './contracts/training-inputs.js';
export * from './contracts/env-names.js';
export * from './contracts/naming.js';
export * from './contracts/local-stack-api.js';
export * from './contracts/data-capture.js';
export * from './contracts/quality-verdict.js';
