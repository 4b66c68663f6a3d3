/**
 * One fan-out server of the scale benchmark, in its own process:
 * `tsx bench/scale/fanServer.ts rxwire|socketio|ws`. Prints `{"port":N}`, then answers each
 * JSON command on stdin with one JSON line:
 * - `{"warm":k}`: sends k warm-up messages (`n` = -1) to every subscriber;
 * - `{"run":{"count":M,"rate":R}}`: sends n = 0..M-1, R per second on a fixed schedule
 *   (R = 0: back to back); answers with the `t` of the first message and the time it took;
 * - `{"clients":true}`: how many connections it holds;
 * - `{"cpu":true}`: the CPU time this process has used so far, in microseconds.
 * It exits when its stdin closes.
 *
 * - rxwire: `createServer` + `server.publish('feed', {}, message)` (memory broker).
 * - socketio: a stock socket.io 4 server (websocket transport only) + `io.emit('m', message)`.
 * - ws: a `WebSocketServer` + `for (const c of wss.clients) c.send(JSON.stringify(message))`.
 */
import { createServer as createHttpServer } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { Server as IoServer } from 'socket.io';
import { createServer } from '../../src/server/index';
import { scaleProtocol, wallClock } from './common';

const kind = process.argv[2];
const boot = wallClock();
let send: (message: { n: number; t: number; boot: number }) => void | Promise<unknown>;
let clients: () => number;
let port: number;

if (kind === 'rxwire') {
  const server = await createServer({ protocol: scaleProtocol, port: 0, limits: { maxConnections: Infinity, maxConnectionsPerAddress: Infinity } });
  let connected = 0;
  server.connections$.subscribe((e) => (connected += e.type === 'connected' ? 1 : -1));
  send = (message) => server.publish('feed', {}, message);
  clients = () => connected;
  port = server.port;
} else if (kind === 'socketio') {
  const http = createHttpServer();
  const io = new IoServer(http, { transports: ['websocket'], serveClient: false });
  http.listen(0, '127.0.0.1', 2048);
  await once(http, 'listening');
  send = (message) => void io.emit('m', message);
  clients = () => io.engine.clientsCount;
  port = (http.address() as AddressInfo).port;
} else if (kind === 'ws') {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, backlog: 2048 });
  await once(wss, 'listening');
  wss.on('connection', (socket) => socket.on('error', () => undefined));
  send = (message) => {
    const frame = JSON.stringify(message);
    for (const c of wss.clients) c.send(frame);
  };
  clients = () => wss.clients.size;
  port = (wss.address() as AddressInfo).port;
} else {
  throw new Error('usage: fanServer.ts rxwire|socketio|ws');
}

const answer = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

async function run(count: number, rate: number): Promise<{ first: number; ms: number }> {
  const start = performance.now();
  const startWall = wallClock();
  let first = 0;
  for (let n = 0; n < count; n++) {
    if (rate > 0) {
      const wait = start + (n * 1000) / rate - performance.now();
      if (wait >= 1) await sleep(wait);
    } else if (n % 10 === 9) {
      await new Promise((done) => setImmediate(done)); // let the sockets write
    }
    // At a fixed rate, latency counts from when the message was due, not from when a busy
    // server got to it (a server that falls behind must not hide it: coordinated omission).
    const t = rate > 0 ? startWall + (n * 1000) / rate : wallClock();
    if (n === 0) first = t;
    await send({ n, t, boot });
  }
  return { first, ms: performance.now() - start };
}

answer({ port });
for await (const line of createInterface({ input: process.stdin })) {
  try {
    const command = JSON.parse(line) as { warm?: number; run?: { count: number; rate: number }; clients?: boolean; cpu?: boolean };
    if (command.warm !== undefined) {
      for (let i = 0; i < command.warm; i++) await send({ n: -1, t: wallClock(), boot });
      answer({ warmed: command.warm });
    } else if (command.run) {
      answer(await run(command.run.count, command.run.rate));
    } else if (command.cpu) {
      const { user, system } = process.cpuUsage();
      answer({ cpu: user + system });
    } else if (command.clients) {
      answer({ clients: clients() });
    } else {
      answer({ error: `unknown command ${line}` });
    }
  } catch (error) {
    answer({ error: (error as Error).message });
  }
}
process.exit(0);
