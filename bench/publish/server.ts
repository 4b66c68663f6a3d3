/**
 * One server of the publish benchmark, in its own process: `tsx bench/publish/server.ts rxwire|rxwire-pipelined|ws <streams>`.
 * Prints `{"port":N}`, then answers each JSON command on stdin with one JSON line:
 * - `{"run":{"count":M,"warm":true|false}}`: publishes M messages as fast as it can, message
 *   n to stream n % streams, yielding to I/O after every YIELD_EVERY; answers with the
 *   wall-clock time of the first publish;
 * - `{"cpu":true}`: the CPU time this process has used so far, in microseconds.
 * It exits when its stdin closes.
 *
 * - rxwire: `createServer` (memory broker, validation on) and, as a backend that handles
 *   one event at a time would, `await server.publish('feed', { s }, message)` for each.
 * - rxwire-pipelined: the same publishes, not awaited one by one: each batch of
 *   YIELD_EVERY is awaited together (`Promise.all`) before the loop yields.
 * - ws: a `WebSocketServer`; each client says its stream (`{"s":i}`) and message n is
 *   `sockets[n % streams].send(JSON.stringify(message))`.
 * - ws-envelope: a `WebSocketServer` speaking just enough of rxwire's protocol for the
 *   client: it answers each `sub` with `subscribed` and sends message n as rxwire's `msg`
 *   frame (`{"type":"msg","id":"1","offset":k,"data":...}`, the same bytes), without
 *   validation, broker, history or the slow-reader bound.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createServer } from '../../src/server/index';
import { YIELD_EVERY, messageOf, publishProtocol, wallClock } from './common';

const kind = process.argv[2]!;
const streams = Number(process.argv[3] ?? 1);
const turn = () => new Promise<void>((done) => setImmediate(done));
let run: (count: number, warm: boolean) => Promise<number>;
let port: number;

if (kind === 'rxwire' || kind === 'rxwire-pipelined') {
  // A client reading as fast as it can is never cut off as a slow reader here, but a noisy
  // machine can stall it for a moment: a wider bound than the default 4 MiB.
  const server = await createServer({ protocol: publishProtocol, port: 0, limits: { maxConnections: Infinity, maxConnectionsPerAddress: Infinity, maxBufferedBytes: 256 * 2 ** 20 } });
  port = server.port;
  run =
    kind === 'rxwire'
      ? async (count, warm) => {
          const first = wallClock();
          for (let n = 0; n < count; n++) {
            if (n % YIELD_EVERY === YIELD_EVERY - 1) await turn();
            await server.publish('feed', { s: n % streams }, messageOf(warm ? -1 : n));
          }
          return first;
        }
      : async (count, warm) => {
          const first = wallClock();
          let batch: Array<Promise<unknown>> = [];
          for (let n = 0; n < count; n++) {
            batch.push(server.publish('feed', { s: n % streams }, messageOf(warm ? -1 : n)));
            if (batch.length === YIELD_EVERY) {
              await Promise.all(batch);
              batch = [];
              await turn();
            }
          }
          await Promise.all(batch);
          return first;
        };
} else if (kind === 'ws') {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, backlog: 2048 });
  await once(wss, 'listening');
  const sockets: WebSocket[] = [];
  wss.on('connection', (socket) => {
    socket.on('error', () => undefined);
    socket.once('message', (data) => (sockets[(JSON.parse(String(data)) as { s: number }).s] = socket));
  });
  port = (wss.address() as AddressInfo).port;
  run = async (count, warm) => {
    const first = wallClock();
    for (let n = 0; n < count; n++) {
      if (n % YIELD_EVERY === YIELD_EVERY - 1) await turn();
      sockets[n % streams]!.send(JSON.stringify(messageOf(warm ? -1 : n)));
    }
    return first;
  };
} else if (kind === 'ws-envelope') {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, backlog: 2048 });
  await once(wss, 'listening');
  const sockets: WebSocket[] = [];
  const offsets: number[] = [];
  wss.on('connection', (socket) => {
    socket.on('error', () => undefined);
    socket.once('message', (data) => {
      const { id, params } = JSON.parse(String(data)) as { id: string; params: { s: number } };
      sockets[params.s] = socket;
      offsets[params.s] = 0;
      socket.send(JSON.stringify({ type: 'subscribed', id, epoch: 'E', offset: 0 }));
    });
  });
  port = (wss.address() as AddressInfo).port;
  run = async (count, warm) => {
    const first = wallClock();
    for (let n = 0; n < count; n++) {
      if (n % YIELD_EVERY === YIELD_EVERY - 1) await turn();
      const s = n % streams;
      sockets[s]!.send(`{"type":"msg","id":"1","offset":${(offsets[s] = offsets[s]! + 1)},"data":${JSON.stringify(messageOf(warm ? -1 : n))}}`);
    }
    return first;
  };
} else {
  throw new Error('usage: server.ts rxwire|rxwire-pipelined|ws|ws-envelope <streams>');
}

const answer = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
answer({ port });
for await (const line of createInterface({ input: process.stdin })) {
  try {
    const command = JSON.parse(line) as { run?: { count: number; warm: boolean }; cpu?: boolean };
    if (command.run) {
      answer({ first: await run(command.run.count, command.run.warm) });
    } else if (command.cpu) {
      const { user, system } = process.cpuUsage();
      answer({ cpu: user + system, user, system });
    } else {
      answer({ error: `unknown command ${line}` });
    }
  } catch (error) {
    answer({ error: (error as Error).message });
  }
}
process.exit(0);
