/**
 * The model's answers as a guarded signal, pure functions over prediction records (data capture, replay pairs): the
 * live shadow's verdict (a candidate against the serving model on the same requests) and drift over time (a window
 * of served predictions against the model's evaluation baseline). The local stack, the CI steps and the CLIs call
 * the same code.
 */
export * from './stats.js';
export * from './checks.js';
export * from './labels.js';
export * from './captures.js';
export * from './shadow.js';
export * from './psi.js';
export * from './drift.js';
export * from './drift-metrics.js';
