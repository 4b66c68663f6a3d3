/** A close the fake server performs, for use as a value in a {@link FakeWebSocketKit.script} marble. */
export interface FakeClose {
  /** Marks the value as a close. */
  readonly kind: 'close';
  /** The close code the client sees. */
  readonly code: number;
  /** The close reason the client sees. */
  readonly reason: string;
  /** Whether the close handshake completed (false for a dropped connection). */
  readonly wasClean: boolean;
}

/**
 * A value for a script marble that makes the fake server close the connection.
 *
 * @param code - the close code, e.g. 1008 or 4401.
 * @param reason - the close reason.
 * @param wasClean - false to simulate a connection lost without a close frame.
 *
 * @example
 * ```ts
 * kit.script('-o--x', { x: closeWith(4401, 'token expired') }); // refused at 4: the client retries with a fresh token
 * kit.script('-o--x', { x: closeWith(1013) }); // "try again later": retried with backoff
 * ```
 */
export function closeWith(code: number, reason = '', wasClean = code !== 1006): FakeClose {
  return { kind: 'close', code, reason, wasClean };
}

/** Whether a script value is a {@link closeWith} close. */
export function isFakeClose(value: unknown): value is FakeClose {
  return typeof value === 'object' && value !== null && (value as FakeClose).kind === 'close';
}
