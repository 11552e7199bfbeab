/**
 * Writes the training hyperparameter defaults from the platform spec (the single source of truth) into
 * dogbreed_training/spec_defaults.json, which ships with the training code (SageMaker's container has no Node).
 * Usage: npx tsx training/scripts/export-spec-defaults.ts [--stdout]
 * A pytest fails while the JSON file is stale.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_SPEC } from '../../libs/platform-spec/src/index.js';

const { hyperparameters } = PLATFORM_SPEC.training;
const text = `${JSON.stringify({ source: 'libs/platform-spec DEFAULT_SPEC.training.hyperparameters', hyperparameters }, null, 2)}\n`;
if (process.argv.includes('--stdout')) {
  process.stdout.write(text);
} else {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'dogbreed_training', 'spec_defaults.json');
  writeFileSync(out, text);
  process.stdout.write(`wrote ${out}\n`);
}
