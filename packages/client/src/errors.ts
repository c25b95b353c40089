/** An event the worker would refuse: thrown at the call, before anything is sent or spooled. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly kind: string,
    /** JSON Pointer of the offending field ("/" for the body itself, "key" for the subject key). */
    readonly path: string,
    readonly problem: string,
  ) {
    super(`invalid ${kind} event: ${path === 'key' ? problem : `${path}: ${problem}`}`);
  }
}

/** The spool directory cannot be used (not writable, foreign files). */
export class SpoolError extends Error {
  override readonly name = 'SpoolError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
