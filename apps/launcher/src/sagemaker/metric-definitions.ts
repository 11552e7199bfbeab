import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { MissingLocalInputError } from '../errors.js';

/** training/metric_definitions.json: the one list of SageMaker MetricDefinitions (owned by the training package). */
export const MetricDefinitionsSchema = z
  .array(z.object({ Name: z.string().min(1).max(255), Regex: z.string().min(1).max(500) }))
  .min(1)
  .max(40);
export type MetricDefinitions = z.infer<typeof MetricDefinitionsSchema>;

export const METRIC_DEFINITIONS_FILE = 'metric_definitions.json';

export function parseMetricDefinitions(text: string, source: string): MetricDefinitions {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MissingLocalInputError(`${source} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = MetricDefinitionsSchema.safeParse(json);
  if (!parsed.success) {
    throw new MissingLocalInputError(
      `${source} is not a list of {Name, Regex}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  }
  for (const d of parsed.data) {
    try {
      new RegExp(d.Regex);
    } catch (err) {
      throw new MissingLocalInputError(`${source}: metric ${d.Name} has an invalid regex`, { cause: err });
    }
  }
  return parsed.data;
}

export function readMetricDefinitions(trainingDir: string): MetricDefinitions {
  const path = join(trainingDir, METRIC_DEFINITIONS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MissingLocalInputError(`${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return parseMetricDefinitions(text, path);
}
