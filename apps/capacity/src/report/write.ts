/** Writes simulation.json, simulation.md and simulation.html under the output directory. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { SimulationReport } from './model.js';

export interface WrittenReport {
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
}

export function writeSimulationReport(report: SimulationReport, outDir: string): WrittenReport {
  mkdirSync(outDir, { recursive: true });
  const paths = {
    json: join(outDir, 'simulation.json'),
    markdown: join(outDir, 'simulation.md'),
    html: join(outDir, 'simulation.html'),
  };
  writeFileSync(paths.json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(paths.markdown, renderMarkdown(report));
  writeFileSync(paths.html, renderHtml(report));
  return paths;
}
