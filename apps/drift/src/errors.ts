/**
 * Every failure of the drift run as a typed error. Exit codes: 0 no drift past the thresholds (or not enough data to
 * say), 1 drift past a threshold, 2 no verdict (bad input, unreadable captures, AWS refused): a scheduled job must
 * never read a crash as "no drift".
 */

export const EXIT_CODES = { pass: 0, drift: 1, noVerdict: 2 } as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Base class: named after the subclass, `cause` passed through; every drift error means "no verdict". */
export class DriftError extends Error {
  readonly exitCode: ExitCode = EXIT_CODES.noVerdict;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line arguments. */
export class UsageError extends DriftError {}

/** A path or S3 location given on the command line that does not hold what it should. */
export class MissingInputError extends DriftError {
  constructor(
    message: string,
    readonly location: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An evaluation.json that cannot be a baseline (not JSON, wrong shape, other confidence bins). */
export class BaselineError extends DriftError {
  constructor(
    message: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** More capture objects in the window than a run reads: narrow the window or the variant. */
export class TooManyCapturesError extends DriftError {}

/** S3 or CloudWatch refused a call (credentials, permissions, a missing bucket). */
export class AwsCallError extends DriftError {
  constructor(
    message: string,
    readonly operation: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
