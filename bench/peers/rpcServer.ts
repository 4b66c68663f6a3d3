/**
 * Request/reply servers of the peer benchmark, in one process; prints one JSON line
 * `{ "rxwire": port, "raw": port }`.
 * - rxwire: `createServer` with `server.handle('echo', ...)` (rate limit raised: a
 *   sequential benchmark sends far more than the default 2,000 frames a second).
 * - raw: a `ws` server that parses each `req` envelope and answers `res` with the payload.
 */
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../src/server/index';
import { peersProtocol } from './protocol';

const rxwire = await createServer({
  protocol: peersProtocol,
  port: 0,
  limits: { rate: { messages: 1e9, interval: 1000 } },
});
rxwire.handle('echo', (payload) => payload);

const raw = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
raw.on('connection', (socket: WebSocket) => {
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id: string; payload: unknown };
    if (message.type === 'req') socket.send(JSON.stringify({ type: 'res', id: message.id, data: message.payload }));
  });
});
await new Promise<void>((resolve) => (raw.address() ? resolve() : raw.once('listening', () => resolve())));

process.stdout.write(`${JSON.stringify({ rxwire: rxwire.port, raw: (raw.address() as AddressInfo).port })}\n`);
process.on('SIGTERM', () => process.exit(0));
