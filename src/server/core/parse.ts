import { CloseCode } from '../../protocol/closeCodes';
import { deeperThan } from '../../protocol/validate';
import { isStreamPosition, type StreamPosition } from '../../protocol/position';

/** A frame of docs/protocol.md a peer may send, with the fields its handling relies on checked. */
export type InboundFrame =
  | { readonly type: 'ping' }
  | { readonly type: 'sub'; readonly id: string; readonly channel: string; readonly params: unknown; readonly since: StreamPosition | undefined }
  | { readonly type: 'unsub'; readonly id: string }
  | { readonly type: 'req'; readonly id: string; readonly name: string; readonly payload: unknown };

/**
 * What a text frame from a peer is: one to handle, one answered with an error frame
 * (in order with the frames before it; the connection stays), or a breach of the
 * protocol that closes the connection with `code`.
 */
export type Parsed =
  | { readonly kind: 'frame'; readonly frame: InboundFrame }
  | { readonly kind: 'answer'; readonly text: string }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

const close = (code: number, reason: string): Parsed => ({ kind: 'close', code, reason });
const errorFrame = (id: string, code: string, message: string): Parsed => ({ kind: 'answer', text: JSON.stringify({ type: 'error', id, code, message }) });

/** Parses and checks the envelope of one text frame, never throwing. */
export function parseFrame(text: string, maxDepth: number): Parsed {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return close(CloseCode.InvalidPayload, 'invalid JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return close(CloseCode.ProtocolError, 'a frame must be a JSON object');
  const f = frame as Record<string, unknown>;
  if (deeperThan(frame, maxDepth)) {
    // Answered where the frame says what it was; either way nothing of it is validated.
    const message = `the frame is nested deeper than ${maxDepth} levels`;
    if (typeof f.id === 'string' && f.type === 'req') return { kind: 'answer', text: JSON.stringify({ type: 'res', id: f.id, error: { code: 'TOO_DEEP', message } }) };
    if (typeof f.id === 'string' && f.type === 'sub') return errorFrame(f.id, 'TOO_DEEP', message);
    return close(CloseCode.InvalidPayload, 'too deeply nested');
  }
  switch (f.type) {
    case 'ping':
      return { kind: 'frame', frame: { type: 'ping' } };
    case 'sub': {
      const { id, channel, params, since } = f;
      if (typeof id !== 'string' || typeof channel !== 'string') return close(CloseCode.ProtocolError, 'sub needs a string id and channel');
      if (since !== undefined && !isStreamPosition(since)) {
        return errorFrame(id, 'INVALID_SINCE', '"since" must be a position: {"epoch": a string, "offset": an integer >= 0}');
      }
      return { kind: 'frame', frame: { type: 'sub', id, channel, params, since } };
    }
    case 'unsub': {
      const { id } = f;
      if (typeof id !== 'string') return close(CloseCode.ProtocolError, 'unsub needs a string id');
      return { kind: 'frame', frame: { type: 'unsub', id } };
    }
    case 'req': {
      const { id, name, payload } = f;
      if (typeof id !== 'string' || typeof name !== 'string') return close(CloseCode.ProtocolError, 'req needs a string id and name');
      return { kind: 'frame', frame: { type: 'req', id, name, payload } };
    }
    default:
      return close(CloseCode.ProtocolError, 'unknown frame type');
  }
}
