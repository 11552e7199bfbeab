/** Errors the screenshot script raises; each is named after its class, and the cause passes through. */

export class ScreenshotError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
