export * from './autoscaler.js';
export * from './schedule.js';
export * from './capacity-file.js';
export * from './cost.js';
export * from './errors.js';
