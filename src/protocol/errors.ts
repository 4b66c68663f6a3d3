/**
 * The stable, machine-readable kinds of every error rxwire reports.
 * Match on `error.kind`, not on the class or the message.
 */
export const ErrorKind = {
  /** {@link ConnectionClosedError}: the connection ended without the user asking. */
  ConnectionClosed: 'CONNECTION_CLOSED',
  /** {@link HeartbeatTimeoutError}: the server went silent. */
  HeartbeatTimeout: 'HEARTBEAT_TIMEOUT',
  /** {@link ConnectTimeoutError}: a connection was not accepted within `connectTimeout`. */
  ConnectTimeout: 'CONNECT_TIMEOUT',
  /** {@link DecodeError}: an inbound frame could not be decoded. */
  DecodeFailed: 'DECODE_FAILED',
  /** {@link QueueOverflowError}: the offline queue was full. */
  QueueOverflow: 'QUEUE_OVERFLOW',
  /** {@link MessageDroppedError}: an outbound message was dropped. */
  MessageDropped: 'MESSAGE_DROPPED',
  /** {@link InvalidOptionsError}: the options were invalid. */
  InvalidOptions: 'INVALID_OPTIONS',
  /** {@link ClientClosedError}: the client was used after `close()`. */
  ClientClosed: 'CLIENT_CLOSED',
  /** {@link ValidationError}: an outbound value failed its codec; nothing was sent. */
  ValidationFailed: 'VALIDATION_FAILED',
  /** {@link SubscriptionError}: the server refused or ended a subscription. */
  SubscriptionFailed: 'SUBSCRIPTION_FAILED',
  /** {@link RequestTimeoutError}: no reply within the request's timeout. */
  RequestTimeout: 'REQUEST_TIMEOUT',
  /** {@link RemoteError}: the server answered a request with an error. */
  RemoteError: 'REMOTE_ERROR',
  /** {@link CircuitOpenError}: a circuit breaker refused the call. */
  CircuitOpen: 'CIRCUIT_OPEN',
  /** `RequestError` (rxwire/server): a request handler answered with a typed error. */
  RequestFailed: 'REQUEST_FAILED',
  /** `ForbiddenError` (rxwire/server): `authenticate` refused a known principal. */
  Forbidden: 'FORBIDDEN',
  /** `ServerClosedError` (rxwire/server): the server was used after `close()`. */
  ServerClosed: 'SERVER_CLOSED',
} as const;

/** One of the strings in {@link ErrorKind}. */
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/**
 * The base class of every error rxwire creates. `K` is the literal kind of a subclass,
 * so a union of error classes narrows on `error.kind`.
 *
 * @example
 * ```ts
 * client.request('setTarget', { id: 'oven-1', target: 180 }).subscribe({
 *   next: (reply) => console.log(reply.ok),
 *   error: (error: unknown) => {
 *     if (error instanceof RxwireError) console.warn(error.kind, error.message); // e.g. 'REQUEST_TIMEOUT'
 *     else throw error;
 *   },
 * });
 * ```
 */
export class RxwireError<K extends ErrorKind = ErrorKind> extends Error {
  /** Always `'RxwireError'`, also in minified builds. */
  override readonly name: string = 'RxwireError';

  /** A stable string to match on, see {@link ErrorKind}. */
  readonly kind: K;

  /**
   * @param kind - the stable kind of the error.
   * @param message - a human-readable explanation.
   * @param options - the underlying `cause`, if any.
   */
  constructor(kind: K, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/**
 * The connection ended without the user asking for it: the server closed it, or
 * the network failed (code 1006). `reconnect` decides from `code` whether to retry.
 * `phase` says whether the connection had been accepted: `'connecting'` for one that
 * never opened (refused with 4401 / 4403 / 1013, or unreachable: then `cause` holds
 * what the platform reported, such as Node's `ECONNREFUSED`, and `reason` its message).
 *
 * @example
 * ```ts
 * client.errors$.subscribe((error) => {
 *   if (error.kind === 'CONNECTION_CLOSED') console.warn(`closed with ${error.code} ${error.reason}; retrying`);
 * });
 * ```
 */
export class ConnectionClosedError extends RxwireError<typeof ErrorKind.ConnectionClosed> {
  /** Always `'ConnectionClosedError'`, also in minified builds. */
  override readonly name: string = 'ConnectionClosedError';

  /**
   * @param code - the close code (1006 when the connection was lost without a close frame).
   * @param reason - the close reason the server gave, or what the platform said went wrong.
   * @param cause - the underlying event or error.
   * @param phase - `'connecting'` when the connection was never accepted, `'open'` when it had been.
   */
  constructor(
    readonly code: number,
    readonly reason: string = '',
    cause?: unknown,
    readonly phase: 'connecting' | 'open' = 'open',
  ) {
    super(
      ErrorKind.ConnectionClosed,
      `${phase === 'connecting' ? 'connection failed before it was accepted' : 'connection closed'}, code ${code}${reason ? `: ${reason}` : ''}`,
      { cause },
    );
  }
}

/**
 * A connection attempt was not accepted within the client's `connectTimeout` (the
 * socket did not open, or the server did not send its acceptance): it is abandoned and
 * retried like a drop.
 *
 * @example
 * ```ts
 * client.errors$.subscribe((error) => {
 *   if (error.kind === 'CONNECT_TIMEOUT') console.warn(`not accepted within ${error.timeout} ms; retrying`);
 * });
 * ```
 */
export class ConnectTimeoutError extends RxwireError<typeof ErrorKind.ConnectTimeout> {
  /** Always `'ConnectTimeoutError'`, also in minified builds. */
  override readonly name: string = 'ConnectTimeoutError';

  /** @param timeout - the `connectTimeout` that passed, in milliseconds. */
  constructor(readonly timeout: number) {
    super(ErrorKind.ConnectTimeout, `the connection was not accepted within ${timeout} ms`);
  }
}

/**
 * Nothing arrived from the server within the heartbeat's `interval + timeout`: the
 * connection is dropped and retried.
 *
 * @example
 * ```ts
 * client.errors$.subscribe((error) => {
 *   if (error.kind === 'HEARTBEAT_TIMEOUT') console.warn(`silent for ${error.silenceMs} ms; reconnecting`);
 * });
 * ```
 */
export class HeartbeatTimeoutError extends RxwireError<typeof ErrorKind.HeartbeatTimeout> {
  /** Always `'HeartbeatTimeoutError'`, also in minified builds. */
  override readonly name: string = 'HeartbeatTimeoutError';

  /** @param silenceMs - how long the connection had been silent, in milliseconds. */
  constructor(readonly silenceMs: number) {
    super(ErrorKind.HeartbeatTimeout, `no message from the server for ${silenceMs} ms`);
  }
}

/**
 * An inbound frame could not be decoded; the frame is dropped, the connection stays up.
 *
 * @example
 * ```ts
 * client.errors$.subscribe((error) => {
 *   if (error.kind === 'DECODE_FAILED') console.warn(error.reason, error.data); // e.g. 'message of channel "device": temperature: expected number, got "hot"'
 * });
 * ```
 */
export class DecodeError extends RxwireError<typeof ErrorKind.DecodeFailed> {
  /** Always `'DecodeError'`, also in minified builds. */
  override readonly name: string = 'DecodeError';

  /**
   * @param reason - why decoding failed (for codec failures, the path to the bad value).
   * @param data - the frame as received (truncated to 1 KiB of text).
   * @param cause - the underlying parser or codec error.
   */
  constructor(
    readonly reason: string,
    readonly data: unknown,
    cause?: unknown,
  ) {
    super(ErrorKind.DecodeFailed, `could not decode an inbound message: ${reason}`, { cause });
  }
}

/** The reasons an outbound message can be dropped by {@link queueWhileOffline}. */
export type DropReason = 'drop-oldest' | 'drop-newest' | 'unsubscribed';

/**
 * An outbound message was dropped instead of being sent; it carries the message.
 *
 * @example
 * ```ts
 * client.errors$.subscribe((error) => {
 *   if (error.kind === 'MESSAGE_DROPPED') console.warn(`not sent (${error.reason}):`, error.dropped);
 * });
 * ```
 */
export class MessageDroppedError<T = unknown> extends RxwireError<typeof ErrorKind.MessageDropped> {
  /** Always `'MessageDroppedError'`, also in minified builds. */
  override readonly name: string = 'MessageDroppedError';

  /**
   * @param dropped - the message that was not sent.
   * @param reason - which policy dropped it.
   */
  constructor(
    readonly dropped: T,
    readonly reason: DropReason,
  ) {
    super(ErrorKind.MessageDropped, `an outbound message was dropped (${reason})`);
  }
}

/**
 * The offline queue was full and its overflow policy is `'error'`. Carries the
 * message that was refused and the messages still queued, so nothing is lost unseen.
 *
 * @example
 * ```ts
 * // with createClient({ ..., queue: { max: 100, overflow: 'error' } })
 * try {
 *   client.send({ type: 'note', text: 'hello' });
 * } catch (error) {
 *   if (error instanceof QueueOverflowError) console.warn(`offline, ${error.queued.length} messages waiting`);
 * }
 * ```
 */
export class QueueOverflowError<T = unknown> extends RxwireError<typeof ErrorKind.QueueOverflow> {
  /** Always `'QueueOverflowError'`, also in minified builds. */
  override readonly name: string = 'QueueOverflowError';

  /**
   * @param rejected - the message that did not fit.
   * @param queued - the messages that were queued when the overflow happened, oldest first.
   * @param max - the queue's bound.
   */
  constructor(
    readonly rejected: T,
    readonly queued: readonly T[],
    readonly max: number,
  ) {
    super(ErrorKind.QueueOverflow, `the offline queue is full (${max} messages)`);
  }
}

/**
 * The options given to a function were contradictory or invalid.
 *
 * @example
 * ```ts
 * // In a browser: a WebSocket there cannot send headers.
 * try {
 *   createClient({ url: 'wss://example.com/live', auth: { token: () => 'secret', via: 'header' } });
 * } catch (error) {
 *   if (error instanceof InvalidOptionsError) console.error(error.message); // use 'protocol' or 'query'
 * }
 * ```
 */
export class InvalidOptionsError extends RxwireError<typeof ErrorKind.InvalidOptions> {
  /** Always `'InvalidOptionsError'`, also in minified builds. */
  override readonly name: string = 'InvalidOptionsError';

  /** @param message - what is wrong and how to fix it. */
  constructor(message: string) {
    super(ErrorKind.InvalidOptions, message);
  }
}

/**
 * The client was closed with `close()`; it cannot be used any more.
 *
 * @example
 * ```ts
 * client.close();
 * client.send({ type: 'note' }); // throws ClientClosedError
 * ```
 */
export class ClientClosedError extends RxwireError<typeof ErrorKind.ClientClosed> {
  /** Always `'ClientClosedError'`, also in minified builds. */
  override readonly name: string = 'ClientClosedError';

  constructor() {
    super(ErrorKind.ClientClosed, 'the client is closed');
  }
}

/**
 * An outbound value (channel params, request payload) failed its codec. It is raised
 * before anything goes on the wire.
 *
 * @example
 * ```ts
 * const params = JSON.parse(location.hash.slice(1)); // untyped input
 * client.channel('device', params).subscribe({
 *   next: (update) => console.log(update.temperature),
 *   error: (error: unknown) => {
 *     if (error instanceof ValidationError) console.warn(error.what, error.reason); // nothing was sent
 *   },
 * });
 * ```
 */
export class ValidationError extends RxwireError<typeof ErrorKind.ValidationFailed> {
  /** Always `'ValidationError'`, also in minified builds. */
  override readonly name: string = 'ValidationError';

  /**
   * @param what - what was being validated, e.g. `params of channel "device"`.
   * @param reason - the path-level reason from the codec.
   */
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super(ErrorKind.ValidationFailed, `invalid ${what}: ${reason}`);
  }
}

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
 * server refused the request with `NOT_FOUND`, `INVALID_PAYLOAD` or `INTERNAL`).
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
   * @param request - the request's name.
   * @param code - the server's machine-readable code.
   * @param serverMessage - the server's explanation.
   * @param data - structured details, decoded by the request's `error` codec where there is one.
   */
  constructor(
    readonly request: string,
    readonly code: string,
    readonly serverMessage: string,
    readonly data?: D,
  ) {
    super(ErrorKind.RemoteError, `request "${request}" failed: ${code}${serverMessage && serverMessage !== code ? ` (${serverMessage})` : ''}`);
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

/**
 * What a client reports on `errors$`: every error that did not end the client. Narrow it
 * on `kind`:
 *
 * ```ts
 * client.errors$.subscribe((error) => {
 *   if (error.kind === 'CONNECTION_CLOSED') console.warn('dropped with', error.code);
 *   else if (error.kind === 'DECODE_FAILED') console.warn('bad frame:', error.reason);
 * });
 * ```
 */
export type ClientError =
  | ConnectionClosedError
  | ConnectTimeoutError
  | HeartbeatTimeoutError
  | DecodeError
  | MessageDroppedError
  | QueueOverflowError;

/**
 * `error` if it is one of the {@link ClientError} classes; otherwise a
 * {@link ConnectionClosedError} (code 1006, abnormal closure) with `error` as its
 * `cause`, e.g. a token function that failed during a connection attempt.
 * @internal
 */
export function toClientError(error: unknown): ClientError {
  if (
    error instanceof ConnectionClosedError ||
    error instanceof ConnectTimeoutError ||
    error instanceof HeartbeatTimeoutError ||
    error instanceof DecodeError ||
    error instanceof MessageDroppedError ||
    error instanceof QueueOverflowError
  ) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectionClosedError(1006, message, error);
}
