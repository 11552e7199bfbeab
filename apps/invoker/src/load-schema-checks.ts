/**
 * `schema-checks.ts` (zod and the wire schemas), imported on first need: a dynamic import, so the bundle puts it in
 * an on-demand chunk that a cold start does not read, and only a request the plain checks cannot take loads it.
 */
import type * as SchemaChecks from './schema-checks.js';

let loading: Promise<typeof SchemaChecks> | undefined;

export function loadSchemaChecks(): Promise<typeof SchemaChecks> {
  loading ??= import('./schema-checks.js');
  return loading;
}
