import { ConnectionClosedError, HeartbeatTimeoutError, InvalidOptionsError } from '../protocol/errors';
import { CloseCode, closeCodeOfWsError } from '../protocol/closeCodes';

/**
 * What a failed socket ends with, as the client reports it: the close with its real code
 * and the platform's cause where there is one (`phase` says whether it had been accepted),
 * or {@link InvalidOptionsError} when the WebSocket could not even be created.
 */
export function toConnectionError(error: unknown, lastClose: { code: number; reason: string } | undefined, accepted: boolean): unknown {
  if (error instanceof HeartbeatTimeoutError || error instanceof ConnectionClosedError) return error;
  // The WebSocket constructor refused the URL or protocols (a token that is not a valid
  // subprotocol token, say): retrying cannot help. Browsers throw a DOMException named
  // SyntaxError, which is not `instanceof SyntaxError`.
  const name = (error as { name?: unknown } | null)?.name;
  if (error instanceof SyntaxError || error instanceof TypeError || ((name === 'SyntaxError' || name === 'TypeError') && typeof (error as Error).message === 'string')) {
    return new InvalidOptionsError(`the WebSocket could not be created: ${(error as Error).message}`);
  }
  const phase = accepted ? 'open' : 'connecting';
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'number') return new ConnectionClosedError(code, (error as { reason?: string }).reason ?? '', error, phase);
  // Node's ws puts what went wrong (ECONNREFUSED, a refused frame) on the error event;
  // a browser says nothing more than that there was an error.
  const underlying = (error as { error?: unknown })?.error;
  const detail = underlying instanceof Error ? underlying : undefined;
  // ws refused a frame (too big, invalid UTF-8): it closed with that code, though the
  // close event that follows will read 1006.
  const sent = closeCodeOfWsError((detail as { code?: unknown } | undefined)?.code);
  if (sent !== undefined) return new ConnectionClosedError(sent, detail!.message, detail, phase);
  return new ConnectionClosedError(lastClose?.code ?? CloseCode.AbnormalClosure, lastClose?.reason || detail?.message || '', detail ?? error, phase);
}
