/**
 * Writes schemas/model-metadata.schema.json from the zod schema. `--check` exits 1 when the committed file
 * differs (run by the tests, so the Python side can never validate against a stale schema).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { modelMetadataJsonSchema } from '../src/contracts/model-dir.js';

const target = fileURLToPath(new URL('../schemas/model-metadata.schema.json', import.meta.url));
const text = `${JSON.stringify(modelMetadataJsonSchema(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error(`${target} is stale: run "npx nx run platform-spec:export-schema"`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
