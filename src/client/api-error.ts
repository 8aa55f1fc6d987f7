/** One of a Status's `details.causes`: a field that is invalid, a field manager in conflict, ... */
export interface StatusCause {
  readonly reason?: string;
  readonly field?: string;
  readonly message?: string;
}

/** A failed API request, with the API server's Status when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  /** The Status reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, ... */
  readonly reason: string | undefined;
  readonly method: string;
  readonly path: string;
  /** What the Status names in `details.causes`; none for most refusals. */
  readonly causes: readonly StatusCause[];

  constructor(method: string, path: string, status: number, reason: string | undefined, message: string, causes: readonly StatusCause[] = []) {
    super(`${method} ${path}: ${status}${reason ? ` ${reason}` : ''}: ${message}`);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.method = method;
    this.path = path;
    this.causes = causes;
  }

  get isNotFound(): boolean { return this.status === 404; }
  get isConflict(): boolean { return this.status === 409; }
  get isAlreadyExists(): boolean { return this.status === 409 && this.reason === 'AlreadyExists'; }
  /**
   * 409 for a write whose `metadata.resourceVersion` (or `uid`) is not the stored object's: the
   * API server names no cause, where a conflict between field managers names each field.
   */
  get isPreconditionConflict(): boolean { return this.status === 409 && this.reason === 'Conflict' && this.causes.length === 0; }
  /** 410: the resourceVersion is too old for a watch or list; relist. */
  get isGone(): boolean { return this.status === 410 || this.reason === 'Expired'; }
  get isInvalid(): boolean { return this.status === 422; }
  /** Worth retrying: throttling, timeouts and server-side failures. */
  get isTransient(): boolean { return this.status === 429 || this.status >= 500 || this.status === 0; }
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.isConflict;
}
