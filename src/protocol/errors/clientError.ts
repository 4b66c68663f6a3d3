import { ConnectionClosedError, ConnectTimeoutError, DecodeError, HeartbeatTimeoutError } from './connection';
import { MessageDroppedError, QueueOverflowError } from './outbound';
import { RemoteError } from './remote';

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
  | QueueOverflowError
  | RemoteError;

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
    error instanceof QueueOverflowError ||
    error instanceof RemoteError
  ) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectionClosedError(1006, message, error);
}
