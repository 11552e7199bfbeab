import { pino, type Logger } from 'pino';

/** Structured JSON logs on stdout (one object per line), the service name on every line. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'model-server', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
export type { Logger };
