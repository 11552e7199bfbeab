/**
 * Writes the training hyperparameter defaults and the export settings (`training.export`: precision, INT8's guard) from
 * the platform spec (the single source of truth) and the model-dir contract's file names (model-dir.ts) into dogbreed_training/spec_defaults.json, which ships with the training code
 * (SageMaker's container has no Node).
 * Usage: npx tsx training/scripts/export-spec-defaults.ts [--stdout]
 * A pytest fails while the JSON file is stale.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EVALUATION_FILE,
  METADATA_FILE,
  MODEL_FILE,
  PLATFORM_SPEC,
} from '../../libs/platform-spec/src/index.js';

const { hyperparameters, export: exportSettings } = PLATFORM_SPEC.training;
const modelDir = { model: MODEL_FILE, metadata: METADATA_FILE, evaluation: EVALUATION_FILE };
const source = 'libs/platform-spec DEFAULT_SPEC.training.hyperparameters, .export and model-dir.ts';
const text = `${JSON.stringify({ source, hyperparameters, export: exportSettings, modelDir }, null, 2)}\n`;
if (process.argv.includes('--stdout')) {
  process.stdout.write(text);
} else {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'dogbreed_training', 'spec_defaults.json');
  writeFileSync(out, text);
  process.stdout.write(`wrote ${out}\n`);
}
