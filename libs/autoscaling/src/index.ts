export * from './autoscaler.js';
export * from './schedule.js';
