// What ends or spoils a connection: a close, a connect or heartbeat timeout, an inbound frame that does not decode.
import { ErrorKind, RxwireError } from './base';

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
