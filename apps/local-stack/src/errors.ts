/** Every error the local stack raises. HTTP-facing ones carry the AWS wire shape (status, error type, body). */

export class LocalStackError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line arguments. */
export class CliUsageError extends LocalStackError {}

/** A model dir is missing or incomplete and cannot (or may not) be trained. */
export class ModelDirError extends LocalStackError {}

/** A child program (model server, launcher, synthetic-data generator) failed. */
export class ChildProcessError extends LocalStackError {}

/**
 * An AWS API error as the real service sends it: status code, `x-amzn-errortype` header and a restJson1 body.
 * `Message` and `message` are both set because the SDKs read either spelling depending on the service.
 */
export class AwsApiError extends LocalStackError {
  constructor(
    readonly statusCode: number,
    readonly errorType: string,
    message: string,
    readonly fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { message: this.message, Message: this.message, ...this.fields };
  }
}

/** The shadow rollout driver could not go on: a refusal, a timeout, an endpoint not where the sequence put it. */
export class ShadowRolloutError extends LocalStackError {}
