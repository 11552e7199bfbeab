import { describe, expect, it } from 'vitest';
import { exportTable, parseExportFigures, readExportFigures } from './export-figures.js';

/** The shape `python -m dogbreed_training.export_benchmark` writes (fields this benchmark does not read left out). */
const sample = {
  command: 'python -m dogbreed_training.export_benchmark',
  latency: {
    threads1: {
      plain: { medianMs: 20, p90Ms: 22 },
      folded: { medianMs: 15, p90Ms: 16, ratioToPlain: 0.75 },
      int8: { medianMs: 9, p90Ms: 10, ratioToPlain: 0.45, ratioToFolded: 0.6 },
    },
    threads2: { plain: { medianMs: 12, p90Ms: 13 } },
  },
  int8: {
    float32Top1: 0.9,
    int8Top1: 0.89,
    agreement: 0.975,
    passes: true,
    verdict: 'INT8 passes its guard',
  },
};

describe('export figures', () => {
  it('reads a row per export and thread count and tables them with INT8 accuracy', () => {
    const f = parseExportFigures('export.json', JSON.stringify(sample));
    expect(f.status).toBe('found');
    if (f.status !== 'found') return;
    expect(f.rows.map((r) => [r.name, r.threads, r.medianMs, r.ratioToPlain])).toEqual([
      ['plain', 1, 20, undefined],
      ['folded', 1, 15, 0.75],
      ['int8', 1, 9, 0.45],
      ['plain', 2, 12, undefined],
    ]);
    const table = exportTable(f);
    expect(table).toMatch(/folded\s+1\s+15\.00\s+16\.00\s+0\.750×/);
    expect(table).toContain(
      'INT8: top-1 89.0 % against float 90.0 %, top-1 agreement 97.5 %: INT8 passes its guard',
    );
  });

  it('says why it cannot read a file, and keeps what it could not read', () => {
    expect(parseExportFigures('e.json', '{').status).toBe('unreadable');
    const odd = parseExportFigures(
      'e.json',
      JSON.stringify({ latency: { threads1: { plain: { medianMs: 1 } } } }),
    );
    expect(odd).toMatchObject({
      status: 'unreadable',
      raw: { latency: { threads1: { plain: { medianMs: 1 } } } },
    });
    if (odd.status === 'found') return;
    expect(odd.reason).toContain('latency.threads1.plain.p90Ms');
    expect(parseExportFigures('e.json', '{"other": 1}')).toMatchObject({ status: 'unreadable' });
    expect(readExportFigures('/nonexistent/export.json')).toMatchObject({ status: 'absent' });
  });
});
