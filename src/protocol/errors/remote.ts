// A subscription or request that failed: refused by the server, unanswered, or not tried.
import { ErrorKind, RxwireError } from './base';

/**
 * The server refused a subscription (or ended it with an error). Only that channel is affected.
 *
 * @example
 * ```ts
 * client.channel('device', { id: 'oven-2' }).subscribe({
 *   next: (update) => console.log(update.temperature),
 *   error: (error: unknown) => {
 *     if (error instanceof SubscriptionError && error.code === 'FORBIDDEN') console.warn(`not your device: ${error.serverMessage}`);
 *   },
 * });
 * ```
 */
export class SubscriptionError extends RxwireError<typeof ErrorKind.SubscriptionFailed> {
  /** Always `'SubscriptionError'`, also in minified builds. */
  override readonly name: string = 'SubscriptionError';

  /**
   * @param channel - the channel's name.
   * @param params - the channel's parameters.
   * @param code - the server's machine-readable code, e.g. `'FORBIDDEN'`.
   * @param serverMessage - the server's explanation.
   */
  constructor(
    readonly channel: string,
    readonly params: unknown,
    readonly code: string,
    readonly serverMessage: string,
  ) {
    super(ErrorKind.SubscriptionFailed, `subscription to "${channel}" refused: ${code}${serverMessage && serverMessage !== code ? ` (${serverMessage})` : ''}`);
  }
}

/**
 * A request got no reply within its timeout. A reply arriving later is dropped and counted.
 *
 * @example
 * ```ts
 * client.request('setTarget', { id: 'oven-1', target: 180 }, { timeout: 2000 }).subscribe({
 *   next: (reply) => console.log(reply.ok),
 *   error: (error: unknown) => {
 *     if (error instanceof RequestTimeoutError) console.warn(`${error.request}: no reply within ${error.timeout} ms`);
 *   },
 * });
 * ```
 */
export class RequestTimeoutError extends RxwireError<typeof ErrorKind.RequestTimeout> {
  /** Always `'RequestTimeoutError'`, also in minified builds. */
  override readonly name: string = 'RequestTimeoutError';

  /**
   * @param request - the request's name.
   * @param timeout - the timeout in milliseconds.
   */
  constructor(
    readonly request: string,
    readonly timeout: number,
  ) {
    super(ErrorKind.RequestTimeout, `request "${request}" got no reply within ${timeout} ms`);
  }
}

/**
 * The server answered a request with an error (a handler threw a `RequestError`, or the
 * server refused the request with `NOT_FOUND`, `INVALID_PAYLOAD` or `INTERNAL`). Also
 * what a channel errors with when the server fails inside a live subscription (a GraphQL
 * `next` with errors and no data), and what `errors$` reports when a message or reply
 * arrives with errors alongside its data (`of` then says which).
 *
 * @example
 * ```ts
 * client.request('setTarget', { id: 'oven-1', target: 900 }).subscribe({
 *   next: (reply) => console.log(reply.ok),
 *   error: (error: unknown) => {
 *     if (error instanceof RemoteError && error.code === 'OUT_OF_RANGE') console.warn(error.serverMessage, error.data);
 *   },
 * });
 * ```
 */
export class RemoteError<D = unknown> extends RxwireError<typeof ErrorKind.RemoteError> {
  /** Always `'RemoteError'`, also in minified builds. */
  override readonly name: string = 'RemoteError';

  /**
   * @param request - the request's name (the channel's, when `of` is `'channel'`).
   * @param code - the server's machine-readable code.
   * @param serverMessage - the server's explanation.
   * @param data - structured details, decoded by the request's `error` codec where there is one.
   * @param of - whether `request` names a request or a channel.
   */
  constructor(
    readonly request: string,
    readonly code: string,
    readonly serverMessage: string,
    readonly data?: D,
    readonly of: 'request' | 'channel' = 'request',
  ) {
    super(ErrorKind.RemoteError, `${of} "${request}" failed: ${code}${serverMessage && serverMessage !== code ? ` (${serverMessage})` : ''}`);
  }
}

/**
 * A circuit breaker is open (or half-open with its trial under way): the call was not made.
 *
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ failureThreshold: 3 });
 * client.request('setTarget', { id: 'oven-1', target: 180 }).pipe(breaker.protect()).subscribe({
 *   next: (reply) => console.log(reply.ok),
 *   error: (error: unknown) => {
 *     if (error instanceof CircuitOpenError) console.warn(`not tried: the circuit is ${error.state}`);
 *   },
 * });
 * ```
 */
export class CircuitOpenError extends RxwireError<typeof ErrorKind.CircuitOpen> {
  /** Always `'CircuitOpenError'`, also in minified builds. */
  override readonly name: string = 'CircuitOpenError';

  /** @param state - the breaker's state when it refused the call. */
  constructor(readonly state: 'open' | 'half-open') {
    super(ErrorKind.CircuitOpen, `the circuit is ${state}: the call was not made`);
  }
}
