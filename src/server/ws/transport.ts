import type { WebSocket } from 'ws';
import { closeCodeOfWsError, CloseCode } from '../../protocol/closeCodes';
import type { Peer, PeerTransport, SharedText } from '../core/transport';
import { textFrame, writeFrame, type WriteBatch } from './frames';

/**
 * A `ws` socket as the core's transport: a shared text is framed once (for every socket
 * it goes to) and written as a ready frame when `ws`'s sender is idle, and every write
 * goes through the batch that coalesces a turn's writes into one system call.
 *
 * A class, not an object literal with getters: every literal would get its own hidden
 * class (its accessors are distinct closures), and the core's send, which reads `open`
 * and `bufferedAmount` on every delivery, would go megamorphic across a fan-out.
 */
export class WsTransport implements PeerTransport {
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
    this.socket.send(text);
    this.writes.wrote(this.socket);
  }

  sendShared(shared: SharedText): void {
    const frame = (shared.frame ??= textFrame(shared.text)) as Buffer;
    if (!writeFrame(this.socket, frame)) this.socket.send(shared.text);
    this.writes.wrote(this.socket);
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

/**
 * Native ping/pong liveness: every `interval`, a socket that did not answer the previous
 * ping is terminated, and the others are pinged.
 */
export function liveness(interval: number): { watch(socket: WebSocket): void; stop(): void } {
  const sockets = new Map<WebSocket, { alive: boolean }>();
  const timer = setInterval(() => {
    for (const [socket, state] of sockets) {
      if (!state.alive) {
        socket.terminate();
        continue;
      }
      state.alive = false;
      socket.ping();
    }
  }, interval);
  timer.unref();
  return {
    watch(socket) {
      const state = { alive: true };
      sockets.set(socket, state);
      socket.on('pong', () => (state.alive = true));
      socket.once('close', () => sockets.delete(socket));
    },
    stop: () => clearInterval(timer),
  };
}
