/** Base class for errors of the autoscaling library: a capacity file or a price that cannot be used. */
export class CapacityPlanningError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
