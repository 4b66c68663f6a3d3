import type { WebSocket } from 'ws';
import { closeCodeOfWsError, CloseCode } from '../../protocol/closeCodes';
import type { Peer, PeerTransport, SharedText } from '../core/transport';
import { textFrame, writeFrame, type TurnMark, type WriteBatch } from './frames';

/**
 * A `ws` socket as the core's transport: a shared text is framed once (for every socket
 * it goes to) and written as a ready frame when `ws`'s sender is idle, and every write
 * goes through the batch that coalesces a turn's writes into one system call.
 *
 * A class, not an object literal with getters: every literal would get its own hidden
 * class (its accessors are distinct closures), and the core's send, which reads `open`
 * and `bufferedAmount` on every delivery, would go megamorphic across a fan-out.
 */
export class WsTransport implements PeerTransport, TurnMark {
  /** The write batch's turn at this socket's last frame (see {@link WriteBatch.writing}). */
  turn = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly writes: WriteBatch,
  ) {}

  get open(): boolean {
    return this.socket.readyState === 1;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(text: string): void {
    this.writes.writing(this.socket, this);
    this.socket.send(text);
  }

  sendShared(shared: SharedText): void {
    const frame = (shared.frame ??= textFrame(shared.text)) as Buffer;
    this.writes.writing(this.socket, this);
    if (!writeFrame(this.socket, frame)) this.socket.send(shared.text);
  }

  flush(): void {
    this.writes.releaseNow(this.socket);
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/** Reports what happens on `socket` to the core's `peer`. */
export function attach<A>(socket: WebSocket, peer: Peer<A>): void {
  socket.on('message', (data, isBinary) => peer.receive(data as Buffer, isBinary));
  socket.on('ping', () => peer.pinged());
  // ws reports a frame it refused (too big, invalid UTF-8, bad opcode) here and closes
  // the socket with the matching code; without a listener it would crash the process.
  // The close then reads 1006 locally: the peer keeps the code that was sent.
  socket.on('error', (error: Error & { code?: string }) => peer.broken(closeCodeOfWsError(error.code) ?? CloseCode.ProtocolError, error.message));
  socket.on('close', (code, reason) => peer.closed(code, reason.toString()));
}

/** At most this many slices of the ping period, each at least MIN_TICK ms long. */
const MAX_SLICES = 30;
const MIN_TICK = 10;

/**
 * Native ping/pong liveness: every `interval`, a socket that did not answer the previous
 * ping is terminated, and the others are pinged. The sockets are dealt into slices of
 * the period (up to 30, by arrival), one slice handled per tick: 10,000 sockets get their
 * pings, and send their pongs, a few hundred at a time rather than in one burst that
 * would hold up whatever is published meanwhile.
 */
export function liveness(interval: number): { watch(socket: WebSocket): void; stop(): void } {
  const count = Math.max(1, Math.min(MAX_SLICES, Math.floor(interval / MIN_TICK)));
  const slices = Array.from({ length: count }, () => new Map<WebSocket, { alive: boolean }>());
  let tick = 0;
  let joining = 0;
  const timer = setInterval(() => {
    const slice = slices[tick]!;
    tick = (tick + 1) % count;
    for (const [socket, state] of slice) {
      if (!state.alive) {
        socket.terminate();
        continue;
      }
      state.alive = false;
      socket.ping();
    }
  }, interval / count);
  timer.unref();
  return {
    watch(socket) {
      const state = { alive: true };
      const slice = slices[joining]!;
      joining = (joining + 1) % count;
      slice.set(socket, state);
      socket.on('pong', () => (state.alive = true));
      socket.once('close', () => slice.delete(socket));
    },
    stop: () => clearInterval(timer),
  };
}
