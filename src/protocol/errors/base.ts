// The kinds every rxwire error is matched on, and the base class that carries one.

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
