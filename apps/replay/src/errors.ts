/**
 * Every failure of the shadow replay as a typed error. Exit codes: 0 the candidate passed, 1 it failed a threshold,
 * 2 no verdict (bad input, a model that would not start, an interruption): the pipeline must never read a crash as
 * a pass or as a measured failure.
 */

export const EXIT_CODES = { pass: 0, fail: 1, noVerdict: 2 } as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Base class: named after the subclass, `cause` passed through; every replay error means "no verdict". */
export class ReplayError extends Error {
  readonly exitCode: ExitCode = EXIT_CODES.noVerdict;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line arguments (missing --images/--captures, a bad --limit, …). */
export class UsageError extends ReplayError {}

/** A path given on the command line does not exist or is not what it should be. */
export class MissingInputError extends ReplayError {
  constructor(
    message: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The inputs hold no request to replay (an image folder without images, captures without inputs). */
export class NoRequestsError extends ReplayError {}

/** A data-capture line that is not a SageMaker data-capture record. */
export class CaptureFormatError extends ReplayError {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A model dir without model.onnx + metadata.json, or with a metadata.json that breaks the model-dir contract. */
export class ModelDirError extends ReplayError {
  constructor(
    message: string,
    readonly dir: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The model server for a model dir could not be started, exited, or never answered /ping. */
export class ServerStartError extends ReplayError {}

/** SIGINT/SIGTERM arrived before the replay finished. */
export class InterruptedError extends ReplayError {}
