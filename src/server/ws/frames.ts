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

/** Where a writer (one socket's transport) last wrote: the {@link WriteBatch} turn it saw. */
export interface TurnMark {
  /** The batch's turn at the writer's last frame; 0 before any. */
  turn: number;
}

/**
 * Coalesces what a server writes to each socket within one turn of the event loop. The
 * first frame a socket gets in a turn leaves at once, so a lone publish waits for
 * nothing; further frames of the turn wait in memory (the socket corked), and every held
 * socket is uncorked once, in `setImmediate`. Publishes that come back to back (a burst,
 * or a server catching up) then cost one system call per socket (a `writev`) instead of
 * one per frame, which is most of the cost of a fan-out. Frames keep their order, control
 * frames included: all go through the same stream.
 */
export class WriteBatch {
  private held: CorkableSocket[] = [];
  private scheduled = false;
  /** Counts the turns that had a write; a writer whose mark is this one wrote this turn. */
  private turn = 1;
  private readonly release = (): void => {
    const held = this.held;
    this.held = [];
    this.scheduled = false;
    this.turn += 1;
    for (const socket of held) if (!socket.destroyed) socket.uncork();
  };

  /**
   * Call before writing a frame on `socket`, whose writer is `mark`: its first frame of
   * the turn goes out at once and costs nothing more (a socket that gets one frame per
   * turn, a stream of one subscriber, is never corked); the socket is corked before its
   * second, which waits with any later ones for the end of the turn.
   */
  writing(socket: WebSocket, mark: TurnMark): void {
    if (mark.turn !== this.turn) {
      mark.turn = this.turn;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.release);
      }
      return;
    }
    this.hold((socket as unknown as { _socket?: CorkableSocket })._socket);
  }

  /** Tells the batch a frame was just written on `socket`: its later frames this turn are held. */
  wrote(socket: WebSocket): void {
    this.hold((socket as unknown as { _socket?: CorkableSocket })._socket);
  }

  private hold(raw: CorkableSocket | undefined): void {
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
