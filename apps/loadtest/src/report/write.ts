import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import type { Report } from './model';
import { renderHtml, renderMarkdown } from './render';

export interface WrittenReport {
  json: string;
  html: string;
  markdown: string;
}

/** Writes report.json, report.html and summary.md under `outDir`; appends the summary to the GitHub job summary. */
export async function writeReport(
  report: Report,
  outDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WrittenReport> {
  mkdirSync(outDir, { recursive: true });
  const paths = {
    json: join(outDir, 'report.json'),
    html: join(outDir, 'report.html'),
    markdown: join(outDir, 'summary.md'),
  };
  const md = renderMarkdown(report);
  writeFileSync(paths.json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(paths.html, renderHtml(report));
  writeFileSync(paths.markdown, md);
  if (env['GITHUB_STEP_SUMMARY']) await core.summary.addRaw(md, true).write();
  return paths;
}
