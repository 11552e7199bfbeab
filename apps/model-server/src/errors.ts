/**
 * Every error the model server raises. HTTP-facing errors carry a stable UPPER_SNAKE `code` and a `statusCode`;
 * `toJSON()` gives the wire body (ErrorBodySchema in @dogbreed/platform-spec). Codes and their statuses are
 * the one table `ERROR_CODES` beside that schema.
 */
import { ERROR_CODES, type ErrorCode } from '@dogbreed/platform-spec';

/** Base class: anything the model server throws on purpose. */
export class ModelServerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The server cannot start: bad environment, bad spec, bad model dir. The process exits non-zero. */
export class StartupError extends ModelServerError {}

/** An error answered to the client with `statusCode` and `{ error: { code, message, requestId } }`. */
export class HttpError extends ModelServerError {
  readonly code: ErrorCode;
  readonly statusCode: number;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
  }

  toJSON(requestId?: string): { error: { code: ErrorCode; message: string; requestId?: string } } {
    return { error: { code: this.code, message: this.message, ...(requestId ? { requestId } : {}) } };
  }
}

/** ONNX Runtime failed on a batch (the worker reported an error or died). Answered as 500 INFERENCE_FAILED. */
export class InferenceError extends HttpError {
  constructor(message: string, options?: ErrorOptions) {
    super('INFERENCE_FAILED', message, options);
  }
}
