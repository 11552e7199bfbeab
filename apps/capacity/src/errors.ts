/** Errors of the what-if simulator: bad input (trace, CSV, policy, capacity) named precisely for the CLI. */
export class SimulatorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
