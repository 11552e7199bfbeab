/**
 * Every error the model server raises. HTTP-facing errors are `HttpError` (@dogbreed/platform-spec, beside
 * `ERROR_CODES`, the one table of codes and statuses): a stable code, its status and `toJSON()` for the wire body.
 */
import { HttpError } from '@dogbreed/platform-spec';

/** Base class: anything the model server throws on purpose that is not an HTTP answer. */
export class ModelServerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The server cannot start: bad environment, bad spec, bad model dir. The process exits non-zero. */
export class StartupError extends ModelServerError {}

/**
 * The server's own image pipeline broke its contract (e.g. the decoder gave pixels of another size than it said):
 * answered as 500 INTERNAL_ERROR with a generic message, and logged, because the image was not at fault.
 */
export class ImagePipelineError extends ModelServerError {}

/** ONNX Runtime failed on a batch (the worker reported an error or died). Answered as 500 INFERENCE_FAILED. */
export class InferenceError extends HttpError {
  constructor(message: string, options?: ErrorOptions) {
    super('INFERENCE_FAILED', message, options);
  }
}

/**
 * The model ran but its output is not a probability distribution over metadata.json's classes (NaN or Inf, another
 * length, probabilities that do not sum to 1, a dog probability outside [0, 1]). Answered as 500
 * INVALID_MODEL_OUTPUT rather than a 200 with garbage, so the 5xx alarms see a broken model. `output` names the ONNX
 * output at fault, for the error log.
 */
export class InvalidModelOutputError extends HttpError {
  readonly output: string;
  constructor(output: string, message: string, options?: ErrorOptions) {
    super('INVALID_MODEL_OUTPUT', message, options);
    this.output = output;
  }
}
