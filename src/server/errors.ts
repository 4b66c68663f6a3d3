/**
 * Thrown by a request handler to answer with a typed error: the client's request
 * Observable errors with a `RemoteError` carrying `code`, `message` and `data`.
 */
export class RequestError extends Error {
  /**
   * @param code - a machine-readable code, e.g. `'OUT_OF_RANGE'`.
   * @param message - a human-readable explanation.
   * @param data - structured details, encoded by the request's `error` codec if it has one.
   */
  constructor(
    readonly code: string,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * Thrown by `authenticate` for a principal that is known but not allowed in: the peer
 * is refused with 4403 (forbidden), which clients do not retry. Returning `undefined`
 * instead refuses with 4401 (unauthorized), which clients retry once with a fresh token.
 */
export class ForbiddenError extends Error {
  /** @param message - why; never sent to the peer. */
  constructor(message = 'forbidden') {
    super(message);
    this.name = 'ForbiddenError';
  }
}
