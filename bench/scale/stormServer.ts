/**
 * One server of the reconnect storm: `tsx bench/scale/stormServer.ts rxwire|socketio <port> <interval ms>`.
 * Listens on the given port, prints `{"port":N,"listening":<wall clock>}` and from then on
 * publishes `{n, t, boot}` to every subscriber every `interval` ms (`boot` = when it listened,
 * so a client tells a restarted server's messages from the old one's). Killed by the
 * benchmark (SIGKILL, as a crash); it exits as well when its stdin closes.
 */
import { createServer as createHttpServer } from 'node:http';
import { once } from 'node:events';
import { Server as IoServer } from 'socket.io';
import { createServer } from '../../src/server/index';
import { scaleProtocol, wallClock } from './common';

const [kind, portArg, intervalArg] = process.argv.slice(2);
const port = Number(portArg);
const interval = Number(intervalArg);
let send: (message: { n: number; t: number; boot: number }) => unknown;

if (kind === 'rxwire') {
  const server = await createServer({ protocol: scaleProtocol, port, limits: { maxConnections: Infinity, maxConnectionsPerAddress: Infinity } });
  send = (message) => server.publish('feed', {}, message).catch(() => undefined);
} else if (kind === 'socketio') {
  const http = createHttpServer();
  const io = new IoServer(http, { serveClient: false });
  http.listen(port, '127.0.0.1', 2048);
  await once(http, 'listening');
  send = (message) => io.emit('m', message);
} else {
  throw new Error('usage: stormServer.ts rxwire|socketio <port> <interval ms>');
}
const boot = wallClock();
process.stdout.write(`${JSON.stringify({ port, listening: boot })}\n`);
let n = 0;
setInterval(() => send({ n: n++, t: wallClock(), boot }), interval);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
