export * from './errors.js';
export * from './schema.js';
export { DEFAULT_SPEC } from './defaults.js';
export * from './load.js';
export * from './model-dir.js';
export * from './wire.js';
export * from './local-stack-api.js';
export * from './naming.js';
export * from './env-names.js';
