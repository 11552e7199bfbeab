/** Errors the load-test programs raise; each is named after its class, and the cause passes through. */

export class LoadTestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line arguments. */
export class LoadTestUsageError extends LoadTestError {}
