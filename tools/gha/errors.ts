/**
 * The typed failures of the GitHub Actions helpers: each says what is wrong and what to do, and the program that
 * throws it fails its step with that message (`core.setFailed`).
 */

/** Base class: named by the subclass, `cause` passed through. */
export class GhaError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The registry gate refuses: a package that is not this pipeline's, not in the state the step needs (pending for the
 * replay and the approval, Approved for the deploy), or no Approved package at all.
 */
export class RegistryGateError extends GhaError {}

/** An input of the replay job is missing or not where the pipeline writes it. */
export class ReplayInputError extends GhaError {}

/** The replay failed the candidate, or could not judge it. */
export class ReplayGateError extends GhaError {}

/** The shadow phase could not run, or its verdict could not be made (the candidate stays unpromoted). */
export class ShadowPhaseError extends GhaError {}
