/**
 * The export figures (batch-1 inference ms per image of the plain, folded and INT8 ONNX exports) that the training
 * package's export benchmark (`python -m dogbreed_training.export_benchmark`) writes to dist/benchmarks/export.json.
 * This benchmark does not measure them again: it reads that file when it exists, shows it beside its own figures
 * and copies it into its report, and says why when it cannot.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatTable } from './versus.js';

const Timing = z.object({
  medianMs: z.number(),
  p90Ms: z.number(),
  /** Median of the per-round ratios (same round, same load): steadier than a ratio of medians. */
  ratioToPlain: z.number().optional(),
});

/** The part of export_benchmark.py's JSON this benchmark shows; the rest is copied as is. */
const ExportBenchmarkSchema = z.looseObject({
  /** `threads1`, `threads2`: per intra-op thread count, per export (`plain`, `folded`, `int8`). */
  latency: z.record(z.string().regex(/^threads\d+$/), z.record(z.string(), Timing)),
  int8: z
    .looseObject({
      float32Top1: z.number(),
      int8Top1: z.number(),
      agreement: z.number(),
      verdict: z.string(),
    })
    .optional(),
  cpu: z
    .looseObject({ model: z.string(), loadAverage: z.array(z.number()) })
    .partial()
    .optional(),
});

export interface ExportRow {
  readonly name: string;
  readonly threads: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly ratioToPlain?: number;
}

export type ExportFigures =
  | {
      readonly status: 'found';
      readonly file: string;
      readonly rows: ExportRow[];
      readonly int8?: z.infer<typeof ExportBenchmarkSchema>['int8'];
      readonly raw: unknown;
    }
  | {
      readonly status: 'absent' | 'unreadable';
      readonly file: string;
      readonly reason: string;
      readonly raw?: unknown;
    };

/** Parses the export benchmark's JSON (pure: the text in, the rows or why not out). */
export function parseExportFigures(file: string, text: string): ExportFigures {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { status: 'unreadable', file, reason: `${file} is not JSON: ${(err as Error).message}` };
  }
  const parsed = ExportBenchmarkSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      status: 'unreadable',
      file,
      reason: `${file} is not in the shape of export_benchmark.py's output (${issue?.path.join('.') || 'top level'}: ${issue?.message}); copied as is into the report`,
      raw,
    };
  }
  const rows = Object.entries(parsed.data.latency).flatMap(([key, exports]) =>
    Object.entries(exports).map(([name, t]) => ({
      name,
      threads: Number(key.slice('threads'.length)),
      medianMs: t.medianMs,
      p90Ms: t.p90Ms,
      ...(t.ratioToPlain === undefined ? {} : { ratioToPlain: t.ratioToPlain }),
    })),
  );
  return { status: 'found', file, rows, int8: parsed.data.int8, raw };
}

export function readExportFigures(file: string): ExportFigures {
  if (!existsSync(file)) {
    return {
      status: 'absent',
      file,
      reason: `${file} is absent (\`cd training && ../.venv/bin/python -m dogbreed_training.export_benchmark\` writes it)`,
    };
  }
  return parseExportFigures(file, readFileSync(file, 'utf8'));
}

/** The export figures as a table (a row per export and thread count) and INT8's accuracy in one line. */
export function exportTable(f: Extract<ExportFigures, { status: 'found' }>): string {
  const table = formatTable(
    ['export', 'intra-op threads', 'ms/img (median, batch 1)', 'p90 ms', 'vs plain (per-round median)'],
    f.rows.map((r) => [
      r.name,
      String(r.threads),
      r.medianMs.toFixed(2),
      r.p90Ms.toFixed(2),
      r.ratioToPlain === undefined ? '' : `${r.ratioToPlain.toFixed(3)}×`,
    ]),
  );
  const q = f.int8;
  const int8 = q
    ? `\nINT8: top-1 ${(q.int8Top1 * 100).toFixed(1)} % against float ${(q.float32Top1 * 100).toFixed(1)} %, top-1 agreement ${(q.agreement * 100).toFixed(1)} %: ${q.verdict}`
    : '';
  return `export figures (the training package's, from ${f.file}):\n${table}${int8}`;
}
