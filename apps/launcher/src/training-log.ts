/**
 * The training package's metric log lines (training/README.md, "Interface"):
 *   `epoch=3 train_loss=0.1234 train_acc=0.9000 val_loss=0.2345 val_acc=0.8800 images_per_sec=123.4`
 *   `test_top1=0.91 test_top5=0.99`
 * Parsed here to print one progress line per epoch, whatever the target.
 */

export interface MetricLine {
  epoch?: number;
  metrics: Record<string, number>;
}

const PAIR = /\b([a-z][a-z0-9_]*)=(-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)(?=\s|$)/g;

/** The key=value numbers of a metric line, or undefined when the line carries none we know. */
export function parseMetricLine(line: string): MetricLine | undefined {
  const metrics: Record<string, number> = {};
  let epoch: number | undefined;
  for (const m of line.matchAll(PAIR)) {
    const [, key, value] = m;
    if (key === undefined || value === undefined) continue;
    if (key === 'epoch') epoch = Number(value);
    else metrics[key] = Number(value);
  }
  if (epoch === undefined && !('test_top1' in metrics)) return undefined;
  return epoch === undefined ? { metrics } : { epoch, metrics };
}

const SHOWN = ['train_loss', 'train_acc', 'val_loss', 'val_acc', 'images_per_sec', 'test_top1', 'test_top5'];

/** One progress line: `[epoch 3/10] train_loss=0.1234 val_acc=0.8800 ...` or `[test] test_top1=...`. */
export function formatMetricLine(line: MetricLine, totalEpochs?: number): string {
  const head =
    line.epoch === undefined ? '[test]' : `[epoch ${line.epoch}${totalEpochs ? `/${totalEpochs}` : ''}]`;
  const parts = SHOWN.filter((k) => k in line.metrics).map((k) => `${k}=${line.metrics[k]}`);
  return `${head} ${parts.join(' ')}`.trimEnd();
}

/** Splits a growing text stream into complete lines; `flush` returns the unterminated tail. */
export class LineSplitter {
  private tail = '';
  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const lines = text.split(/\r?\n/);
    this.tail = lines.pop() ?? '';
    return lines;
  }
  flush(): string[] {
    const rest = this.tail;
    this.tail = '';
    return rest ? [rest] : [];
  }
}
