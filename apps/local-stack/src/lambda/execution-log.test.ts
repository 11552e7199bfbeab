import { describe, expect, it } from 'vitest';
import { endLine, LogTail, reportLine, startLine } from './execution-log.js';

describe('LogTail', () => {
  it('keeps everything under the bound', () => {
    const t = new LogTail(64);
    t.append('hello ');
    t.append(Buffer.from('world\n'));
    expect(Buffer.from(t.base64(), 'base64').toString()).toBe('hello world\n');
  });

  it('keeps only the last maxBytes bytes', () => {
    const t = new LogTail(4096);
    for (let i = 0; i < 1000; i++) t.append(`line ${i}\n`);
    const text = Buffer.from(t.base64(), 'base64').toString();
    expect(Buffer.byteLength(text)).toBe(4096);
    expect(text.endsWith('line 999\n')).toBe(true);
  });

  it('starts empty again after reset', () => {
    const t = new LogTail(16);
    t.append('old');
    t.reset();
    expect(t.base64()).toBe('');
  });
});

describe('Lambda log lines', () => {
  it('writes START, END and REPORT as Lambda does', () => {
    expect(startLine('r1')).toBe('START RequestId: r1 Version: $LATEST\n');
    expect(endLine('r1')).toBe('END RequestId: r1\n');
    expect(
      reportLine({ requestId: 'r1', durationMs: 12.345, memorySizeMb: 512, maxMemoryUsedMb: 40.2 }),
    ).toBe(
      'REPORT RequestId: r1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 41 MB\t\n',
    );
  });

  it('adds the init duration on a cold start and bills it', () => {
    const line = reportLine({
      requestId: 'r2',
      durationMs: 10,
      memorySizeMb: 128,
      maxMemoryUsedMb: 20,
      initMs: 100.5,
    });
    expect(line).toContain('Billed Duration: 111 ms');
    expect(line).toContain('\tInit Duration: 100.50 ms\t\n');
  });
});
