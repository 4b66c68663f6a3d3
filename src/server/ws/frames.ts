import type { WebSocket } from 'ws';

/**
 * One complete, unmasked, final WebSocket text frame (RFC 6455 section 5.2): the header
 * and the UTF-8 payload in one buffer, so that a message fanned out to many sockets is
 * framed once and written to each with one call.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

/** The parts of `ws`'s sender that writing a ready frame relies on. */
interface SenderLike {
  _state?: unknown;
  _queue?: unknown[];
  sendFrame?: (list: Buffer[], cb?: (error?: Error) => void) => void;
}

/**
 * Writes a frame built by {@link textFrame} on a `ws` socket with one write, as socket.io
 * does for its broadcasts. It goes through the sender only when the sender is idle
 * (nothing compressing or queued, so frames keep their order); otherwise, or on a `ws`
 * version without that sender, it returns false and the caller sends the payload the
 * ordinary way.
 */
export function writeFrame(socket: WebSocket, frame: Buffer): boolean {
  const sender = (socket as unknown as { _sender?: SenderLike })._sender;
  if (!sender || typeof sender.sendFrame !== 'function' || sender._state !== 0 || (sender._queue?.length ?? 0) > 0) return false;
  sender.sendFrame([frame]);
  return true;
}

/** The parts of a `net.Socket` that coalescing writes relies on. */
interface CorkableSocket {
  readonly writableCorked: number;
  readonly destroyed: boolean;
  cork(): void;
  uncork(): void;
}

/**
 * Coalesces what a server writes to each socket within one turn of the event loop. The
 * first frame a socket gets in a turn leaves at once, so a lone publish waits for
 * nothing; the socket is then corked, further frames of the turn wait in memory, and
 * every held socket is uncorked once, in `setImmediate`. Publishes that come back to back
 * (a burst, or a server catching up) then cost one system call per socket (a `writev`)
 * instead of one per frame, which is most of the cost of a fan-out. Frames keep their
 * order, control frames included: all go through the same stream.
 */
export class WriteBatch {
  private held: CorkableSocket[] = [];
  private scheduled = false;
  private readonly release = (): void => {
    const held = this.held;
    this.held = [];
    this.scheduled = false;
    for (const socket of held) if (!socket.destroyed) socket.uncork();
  };

  /** Tells the batch a frame was just written on `socket`: its later frames this turn are held. */
  wrote(socket: WebSocket): void {
    const raw = (socket as unknown as { _socket?: CorkableSocket })._socket;
    if (!raw || raw.writableCorked > 0 || typeof raw.cork !== 'function') return;
    raw.cork();
    this.held.push(raw);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.release);
    }
  }

  /**
   * Writes out what `socket` holds now, before the turn ends: its unread backlog is then
   * what the peer has not taken, not what this batch was holding back.
   */
  releaseNow(socket: WebSocket): void {
    const raw = (socket as unknown as { _socket?: CorkableSocket })._socket;
    if (raw && raw.writableCorked > 0 && !raw.destroyed) raw.uncork();
  }

  /** How many sockets are held until the end of this turn. */
  get size(): number {
    return this.held.length;
  }
}
