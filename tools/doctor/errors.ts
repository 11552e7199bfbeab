/**
 * The doctor's typed errors: a failure of the command itself (a bad flag, an unreadable cdk.out, a GitHub answer of
 * an unexpected shape), as opposed to a failed check, which is a result and not an error.
 */
import { GhaError } from '../gha/errors.js';

/** The doctor could not run a check at all; the message says why and what to do. */
export class DoctorError extends GhaError {}
