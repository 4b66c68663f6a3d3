import { ErrorKind, RxwireError } from '../protocol/errors';

/**
 * Thrown by a request handler to answer with a typed error: the client's request
 * Observable errors with a `RemoteError` carrying `code`, `message` and `data`.
 *
 * @example
 * ```ts
 * server.handle('setTarget', ({ id, target }) => {
 *   if (target > 250) throw new RequestError('OUT_OF_RANGE', 'at most 250 °C', { min: 50, max: 250 });
 *   return ovens.set(id, target);
 * });
 * ```
 */
export class RequestError extends RxwireError<typeof ErrorKind.RequestFailed> {
  /** Always `'RequestError'`, also in minified builds. */
  override readonly name: string = 'RequestError';

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
    super(ErrorKind.RequestFailed, message);
  }
}

/**
 * Thrown by `authenticate` for a principal that is known but not allowed in: the peer
 * is refused with 4403 (forbidden), which clients do not retry. Returning `undefined`
 * instead refuses with 4401 (unauthorized), which clients retry once with a fresh token.
 *
 * @example
 * ```ts
 * const server = await createServer({
 *   protocol: smartHome,
 *   authenticate: async ({ token }) => {
 *     const user = await users.byToken(token);
 *     if (user?.suspended) throw new ForbiddenError('suspended');
 *     return user; // undefined -> 4401
 *   },
 * });
 * ```
 */
export class ForbiddenError extends RxwireError<typeof ErrorKind.Forbidden> {
  /** Always `'ForbiddenError'`, also in minified builds. */
  override readonly name: string = 'ForbiddenError';

  /** @param message - why; never sent to the peer. */
  constructor(message = 'forbidden') {
    super(ErrorKind.Forbidden, message);
  }
}

/**
 * The server was used after `close()`: `publish` rejects and `emit` throws with it.
 *
 * @example
 * ```ts
 * await server.close();
 * await server.publish('device', { id: 'oven-1' }, update).catch((e) => e.kind); // 'SERVER_CLOSED'
 * ```
 */
export class ServerClosedError extends RxwireError<typeof ErrorKind.ServerClosed> {
  /** Always `'ServerClosedError'`, also in minified builds. */
  override readonly name: string = 'ServerClosedError';

  constructor() {
    super(ErrorKind.ServerClosed, 'the server is closed');
  }
}
