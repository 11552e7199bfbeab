/** Base class of the errors this library throws at synth time. */
export class InfraError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A construct received props it cannot build from; the message names the construct and the field. */
export class InfraPropsError extends InfraError {}

/** A build output the app needs (the invoker bundle, the model-server Dockerfile) is missing. */
export class MissingBuildOutputError extends InfraError {}
