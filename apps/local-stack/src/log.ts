/** Human-readable progress lines on stderr (stdout carries only the READY line). */
export type Log = (message: string) => void;

export function stderrLog(prefix = 'local-stack'): Log {
  return (message) => {
    process.stderr.write(`[${prefix}] ${message}\n`);
  };
}
