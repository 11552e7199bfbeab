/**
 * A file's overview comment sits above its imports. Placed after them and followed by a blank line, TSDoc and
 * editors attach it to nothing (or to the next declaration), and a reader meets the imports before learning what
 * the file is for. Checks every tracked TypeScript and JavaScript module of the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceRoot } from '@dogbreed/workspace';

const root = workspaceRoot();

const IMPORT_START = /^import\s/;
const IMPORT_END = /from\s+['"][^'"]+['"];?\s*$|^import\s+['"][^'"]+['"];?\s*$/;

/**
 * The line (1-based) of a detached block comment right after the import block of a file that has no comment above
 * its first import, or undefined when the file is laid out as it should be.
 */
function misplacedOverview(text: string): number | undefined {
  const lines = text.split('\n');
  let firstImport: number | undefined;
  let lastImportEnd: number | undefined;
  let commentAbove = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (firstImport === undefined && /^\s*(\/\*|\/\/)/.test(line)) commentAbove = true;
    if (IMPORT_START.test(line)) {
      firstImport ??= i;
      let end = i;
      while (end < lines.length - 1 && !IMPORT_END.test(lines[end] ?? '')) end++;
      lastImportEnd = end;
      i = end;
      continue;
    }
    if (firstImport !== undefined && line.trim() !== '' && !line.startsWith('//')) break;
  }
  if (lastImportEnd === undefined || commentAbove) return undefined;
  let k = lastImportEnd + 1;
  while (k < lines.length && (lines[k] ?? '').trim() === '') k++;
  if (!(lines[k] ?? '').trimStart().startsWith('/**')) return undefined;
  let end = k;
  while (end < lines.length - 1 && !(lines[end] ?? '').includes('*/')) end++;
  return (lines[end + 1] ?? '').trim() === '' ? k + 1 : undefined;
}

describe('file overview comments', () => {
  it('recognises an overview placed after the imports, and accepts one above them', () => {
    const after = "import { a } from './a.js';\n\n/** What this file is for. */\n\nexport const b = a;\n";
    const above = "/** What this file is for. */\nimport { a } from './a.js';\n\nexport const b = a;\n";
    const attached = "import { a } from './a.js';\n\n/** The b. */\nexport const b = a;\n";
    expect(misplacedOverview(after)).toBe(3);
    expect(misplacedOverview(above)).toBeUndefined();
    expect(misplacedOverview(attached)).toBeUndefined();
  });

  it('every tracked module keeps its overview above the imports', () => {
    const files = execFileSync('git', ['ls-files', '*.ts', '*.mts', '*.mjs'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.length > 0 && existsSync(join(root, f)));
    expect(files.length).toBeGreaterThan(100);
    const misplaced = files.flatMap((f) => {
      const line = misplacedOverview(readFileSync(join(root, f), 'utf8'));
      return line === undefined ? [] : [`${f}:${line}`];
    });
    expect(misplaced).toEqual([]);
  });
});
