/**
 * One execution's log as Lambda writes it to CloudWatch (START, the function's output, END, REPORT) and the
 * bounded tail that `X-Amz-Log-Type: Tail` returns base64-encoded in `X-Amz-Log-Result`.
 */

/** Keeps only the last `maxBytes` bytes written to it: memory stays bounded whatever the function prints. */
export class LogTail {
  private buf = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {}

  append(chunk: string | Uint8Array): void {
    const next = Buffer.concat([this.buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    this.buf = next.length > this.maxBytes ? next.subarray(next.length - this.maxBytes) : next;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }

  /** The tail, base64: what `X-Amz-Log-Result` carries. */
  base64(): string {
    return this.buf.toString('base64');
  }
}

export function startLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: $LATEST\n`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

export interface ReportFields {
  readonly requestId: string;
  readonly durationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** Only on a cold start. */
  readonly initMs?: number | undefined;
}

/** Lambda's REPORT line: tab-separated fields, billed duration rounded up to the millisecond. */
export function reportLine(r: ReportFields): string {
  const fields = [
    `REPORT RequestId: ${r.requestId}`,
    `Duration: ${r.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(r.durationMs + (r.initMs ?? 0))} ms`,
    `Memory Size: ${r.memorySizeMb} MB`,
    `Max Memory Used: ${Math.ceil(r.maxMemoryUsedMb)} MB`,
  ];
  if (r.initMs !== undefined) fields.push(`Init Duration: ${r.initMs.toFixed(2)} ms`);
  return `${fields.join('\t')}\t\n`;
}
