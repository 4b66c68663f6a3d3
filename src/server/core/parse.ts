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
  | {
      readonly kind: 'batch';
      readonly items: ReadonlyArray<Extract<Parsed, { kind: 'frame' | 'answer' }>>;
      /** The client asked (`"reply":"batch"`) for the answers in `batch` frames. */
      readonly reply: boolean;
    }
  | { readonly kind: 'answer'; readonly text: string }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

const close = (code: number, reason: string): Parsed => ({ kind: 'close', code, reason });
const errorFrame = (id: string, code: string, message: string): Parsed => ({ kind: 'answer', text: JSON.stringify({ type: 'error', id, code, message }) });

/** The most frames one `batch` may hold. */
export const MAX_BATCH = 10_000;
/** How many frames of a `batch` count as one against the rate limit. */
export const BATCH_FRAMES_PER_TOKEN = 100;

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
  if (f.type === 'batch') return parseBatch(f, maxDepth);
  if (deeperThan(frame, maxDepth)) {
    // Answered where the frame says what it was; either way nothing of it is validated.
    const message = `the frame is nested deeper than ${maxDepth} levels`;
    if (typeof f.id === 'string' && f.type === 'req') return { kind: 'answer', text: JSON.stringify({ type: 'res', id: f.id, error: { code: 'TOO_DEEP', message } }) };
    if (typeof f.id === 'string' && f.type === 'sub') return errorFrame(f.id, 'TOO_DEEP', message);
    return close(CloseCode.InvalidPayload, 'too deeply nested');
  }
  return parseObject(f);
}

/**
 * A `batch`: `sub` and `unsub` frames issued together, handled in order as if each had
 * come alone. Its own two levels (the array and each frame) do not count against
 * `maxDepth`; anything but sub and unsub in it, or a malformed one, closes with 1002.
 */
function parseBatch(f: Record<string, unknown>, maxDepth: number): Parsed {
  const frames = f.frames;
  if (!Array.isArray(frames) || frames.length === 0 || frames.length > MAX_BATCH) {
    return close(CloseCode.ProtocolError, `a batch needs "frames": an array of 1 to ${MAX_BATCH} frames`);
  }
  if (deeperThan(frames, maxDepth + 1)) return close(CloseCode.InvalidPayload, 'too deeply nested');
  const items: Array<Extract<Parsed, { kind: 'frame' | 'answer' }>> = [];
  for (const item of frames) {
    const type = (item as { type?: unknown } | null)?.type;
    if (typeof item !== 'object' || item === null || Array.isArray(item) || (type !== 'sub' && type !== 'unsub')) {
      return close(CloseCode.ProtocolError, 'a batch holds only sub and unsub frames');
    }
    const parsed = parseObject(item as Record<string, unknown>);
    if (parsed.kind === 'close' || parsed.kind === 'batch') return parsed;
    items.push(parsed);
  }
  return { kind: 'batch', items, reply: f.reply === 'batch' };
}

function parseObject(f: Record<string, unknown>): Parsed {
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
