/**
 * The socket.io server of the peer benchmark, in its own process; prints its port.
 *
 * Channels are events: a client emits `join` with a channel id (acknowledged), and each
 * channel's messages arrive as the event `c:<id>`. So that the server is never the
 * bottleneck, `start` (acknowledged, `{ count, ...}`) does not go through `socket.emit`
 * (socket.io's stock encoder tops out near 74k msgs/s here): the server pre-builds the
 * exact frames socket.io would send — an unmasked WebSocket text frame holding the
 * engine.io `4` (message) + socket.io `2` (event) packet `42["c:<id>",{...}]` — and writes
 * them in batches straight onto the TCP socket under engine.io's `ws` socket, as
 * bench/server.ts does. The client parses them with its own, unmodified decoder.
 *
 * `echo` is answered through an ack, for the request/reply scenario.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';
import { textFrame } from '../../src/server/ws/frames';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });


async function blast(raw: NetSocket, ids: string[], count: number): Promise<void> {
  const BATCH = 2000;
  for (let start = 0; start < count; start += BATCH) {
    const parts: Buffer[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const id = ids[i % ids.length]!;
      const temperature = 20 + (i % 200) / 10;
      parts.push(textFrame(`42["c:${id}",{"id":"dev-${i % 10000}","temperature":${temperature},"unit":"celsius"}]`));
    }
    if (raw.destroyed) return;
    if (!raw.write(Buffer.concat(parts))) await new Promise((resolve) => raw.once('drain', resolve));
  }
}

io.on('connection', (socket) => {
  const ids: string[] = [];
  socket.on('join', (id: string, ack: () => void) => {
    ids.push(id);
    void socket.join(id);
    ack();
  });
  socket.on('start', (message: { count: number }, ack: () => void) => {
    const ws = (socket.conn as unknown as { transport: { socket?: { _socket?: NetSocket } } }).transport.socket;
    const raw = ws?._socket;
    if (!raw) throw new Error('socket.io bench server: not on the websocket transport');
    ack();
    void blast(raw, ids.length > 0 ? ids : ['0'], message.count);
  });
  socket.on('echo', (payload: unknown, ack: (reply: unknown) => void) => ack(payload));
});

http.listen(0, '127.0.0.1', () => process.stdout.write(`${(http.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
