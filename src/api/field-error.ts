/** One problem with user input, located by its field path (`spec.storage.size`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** Thrown when input is invalid; carries every problem found, not just the first. */
export class InvalidSpecError extends Error {
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[], context?: string) {
    const lines = errors.map((e) => `${e.path}: ${e.message}`);
    super(`${context ? `${context}: ` : ''}invalid RedisInstance:\n  ${lines.join('\n  ')}`);
    this.name = 'InvalidSpecError';
    this.errors = errors;
  }
}
