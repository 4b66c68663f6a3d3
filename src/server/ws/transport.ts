import type { WebSocket } from 'ws';
import { closeCodeOfWsError, CloseCode } from '../../protocol/closeCodes';
import type { Peer, PeerTransport, SharedText } from '../core/transport';
import { textFrame, writeFrame, type WriteBatch } from './frames';

/**
 * A `ws` socket as the core's transport: a shared text is framed once (for every socket
 * it goes to) and written as a ready frame when `ws`'s sender is idle, and every write
 * goes through the batch that coalesces a turn's writes into one system call.
 */
export function wsTransport(socket: WebSocket, writes: WriteBatch): PeerTransport {
  return {
    get open() {
      return socket.readyState === 1;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send(text) {
      socket.send(text);
      writes.wrote(socket);
    },
    sendShared(shared: SharedText) {
      const frame = (shared.frame ??= textFrame(shared.text)) as Buffer;
      if (!writeFrame(socket, frame)) socket.send(shared.text);
      writes.wrote(socket);
    },
    flush: () => writes.releaseNow(socket),
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
  };
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
