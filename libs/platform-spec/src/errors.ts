import type { z } from 'zod';

/** Base class for errors raised by the platform spec library. */
export class PlatformSpecError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A spec (defaults merged with overrides) failed validation. `issues` names each field by its dotted path. */
export class SpecValidationError extends PlatformSpecError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(source: string, zodError: z.ZodError) {
    const issues = zodError.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(root)',
      message: i.message,
    }));
    super(
      `Invalid platform spec (${source}):\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
    this.issues = issues;
  }
}

/** An override source (env variable or JSON file) could not be read or parsed. */
export class SpecOverrideError extends PlatformSpecError {}
