/**
 * WebSocket close codes that rxwire gives a meaning to, in one table.
 *
 * The 1000–1015 range is defined by RFC 6455; the 4000–4999 range is free for
 * applications, and rxwire uses 4401 / 4403 the way HTTP uses 401 / 403.
 */
export const CloseCode = {
  /** The user or the server ended the connection on purpose. */
  NormalClosure: 1000,
  /** The server is shutting down or the page is navigating away. */
  GoingAway: 1001,
  /** The peer broke the protocol. */
  ProtocolError: 1002,
  /** No close frame was received: the connection was lost (never sent on the wire). */
  AbnormalClosure: 1006,
  /** A frame's payload was not valid for its type (for example invalid UTF-8 or JSON). */
  InvalidPayload: 1007,
  /** The peer violated a policy; not worth retrying. */
  PolicyViolation: 1008,
  /** A frame was larger than the peer accepts. */
  MessageTooBig: 1009,
  /** The server hit an unexpected condition. */
  InternalError: 1011,
  /** The server is overloaded; try again later. */
  TryAgainLater: 1013,
  /** The credentials were missing, invalid or expired: fetch a fresh token and retry once. */
  Unauthorized: 4401,
  /** The principal is known but not allowed: not worth retrying. */
  Forbidden: 4403,
} as const;

/** One of the close codes named in {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * The close codes that end reconnection by default: retrying cannot help.
 * 4401 is not here: it gets one retry with a fresh token (see {@link reconnect}).
 */
export const DEFAULT_FATAL_CLOSE_CODES: readonly number[] = [CloseCode.PolicyViolation, CloseCode.Forbidden];

/**
 * The close code carried by an error, or `undefined` when it carries none.
 *
 * Understands `CloseEvent`s (what `WebSocketSubject` errors with), rxwire's
 * {@link ConnectionClosedError} and any object with a numeric `code` in the
 * WebSocket range 1000–4999.
 *
 * @example
 * ```ts
 * closeCodeOf(new ConnectionClosedError(4403)); // 4403
 * closeCodeOf(new HeartbeatTimeoutError(25_000)); // undefined: a silent server sent no close code
 * closeCodeOf({ code: 'ECONNRESET' }); // undefined: not a WebSocket close code
 * ```
 */
export function closeCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && code >= 1000 && code <= 4999 ? code : undefined;
}

/**
 * Whether a connection that ended with `error` should be retried, given the codes
 * that are fatal. The one place where close codes decide reconnection.
 *
 * - a close code in `fatalCodes` is fatal;
 * - every other close code, and every error without a close code (a network
 *   failure, a heartbeat timeout), is retried.
 *
 * @param error - what the connection ended with.
 * @param fatalCodes - the codes never retried. @defaultValue {@link DEFAULT_FATAL_CLOSE_CODES}
 *
 * @example
 * ```ts
 * isRetryableClose(new ConnectionClosedError(1006)); // true: the network went away
 * isRetryableClose(new ConnectionClosedError(4403)); // false: forbidden
 * isRetryableClose(new ConnectionClosedError(4409), [...DEFAULT_FATAL_CLOSE_CODES, 4409]); // false
 * ```
 */
export function isRetryableClose(error: unknown, fatalCodes: readonly number[] = DEFAULT_FATAL_CLOSE_CODES): boolean {
  const code = closeCodeOf(error);
  return code === undefined || !fatalCodes.includes(code);
}

/**
 * The close code the `ws` package sent when it refused a frame, from the `code` of the
 * error it emitted (`'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'` and so on): the close that
 * follows reads 1006 locally, but the peer was told this code. Undefined for errors
 * that are not one of `ws`'s frame errors.
 * @internal
 */
export function closeCodeOfWsError(code: unknown): number | undefined {
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return CloseCode.MessageTooBig;
  if (code === 'WS_ERR_INVALID_UTF8') return CloseCode.InvalidPayload;
  return CloseCode.ProtocolError;
}
