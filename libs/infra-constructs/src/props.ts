/**
 * Props checked with the spec's own field schemas: a construct given props built by hand (not parsed from the spec)
 * refuses exactly what the spec refuses, with an `InfraPropsError` that names the construct and the field.
 */
import type { ZodType } from 'zod';
import { InfraPropsError } from './errors.js';

/** Returns `value` when `schema` accepts it; else throws `<where>: <field> <the schema's message> (got <value>)`. */
export function checkProp<T>(where: string, field: string, schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'is invalid';
  throw new InfraPropsError(`${where}: ${field} ${message} (got ${JSON.stringify(value)})`);
}
