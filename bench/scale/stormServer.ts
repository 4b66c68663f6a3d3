/**
 * One server of the reconnect storm: `tsx bench/scale/stormServer.ts rxwire|socketio <port> <clients> <channels>`.
 *
 * Sets itself up, prints `{"standby":true}`, and on the command `{"listen":true}` listens on
 * the given port (its own `http` server, backlog 2048 for both kinds) and prints
 * `{"listening":<wall clock>}`: so that the restarted server's downtime is what the benchmark
 * chooses, not how long this machine takes to start a process. It counts subscriptions every 5 ms: rxwire's
 * `rxwire_subscriptions` gauge (from `server.metrics()`), socket.io's room joins (each
 * client emits one `sub` event per channel on every `connect`; the server joins it to that
 * room). The first time the count reaches clients × channels it prints
 * `{"settled":<wall clock>,"cpu":<ms of CPU since it listened>}` and publishes one message `{ch, boot}` on every channel (so
 * that every client can check it hears the new server on every channel). Commands on stdin,
 * each answered with one JSON line:
 * - `{"publish":true}`: one message on every channel again;
 * - `{"report":true}`: subscriptions, connections, closes by code and refusals (rxwire's
 *   metrics; socket.io: disconnect reasons).
 * Killed by the benchmark (SIGKILL, as a crash); it exits as well when its stdin closes.
 */
import { createServer as createHttpServer } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Server as IoServer } from 'socket.io';
import { createServer } from '../../src/server/index';
import { stormProtocol, wallClock } from './common';

const [kind, portArg, clientsArg, channelsArg] = process.argv.slice(2);
const port = Number(portArg);
const target = Number(clientsArg) * Number(channelsArg);
const channels = Array.from({ length: Number(channelsArg) }, (_, ch) => ch);

const http = createHttpServer();
let publish: (ch: number, message: { ch: number; boot: number }) => unknown;
let subscriptions: () => number;
let report: () => Record<string, unknown>;

if (kind === 'rxwire') {
  // Connection-count caps lifted (loopback: every client has one address); rate limits as they are.
  const server = await createServer({ protocol: stormProtocol, server: http, limits: { maxConnections: Infinity, maxConnectionsPerAddress: Infinity } });
  const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  const labelled = (text: string, name: string, label: string) =>
    Object.fromEntries([...text.matchAll(new RegExp(`^${name}\\{${label}="([^"]+)"\\} (\\d+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])]));
  publish = (ch, message) => server.publish('storm', { ch }, message).catch(() => undefined);
  subscriptions = () => gauge(server.metrics(), 'rxwire_subscriptions');
  report = () => {
    const text = server.metrics();
    return {
      subscriptions: gauge(text, 'rxwire_subscriptions'),
      connections: gauge(text, 'rxwire_connections'),
      closes: labelled(text, 'rxwire_closed_total', 'code'),
      refused: labelled(text, 'rxwire_refused_total', 'reason'),
    };
  };
} else if (kind === 'socketio') {
  const io = new IoServer(http, { transports: ['websocket'], serveClient: false });
  let joined = 0;
  const disconnects: Record<string, number> = {};
  io.on('connection', (socket) => {
    let mine = 0;
    socket.on('sub', (ch: number) => {
      if (socket.rooms.has(`ch${ch}`)) return;
      void socket.join(`ch${ch}`);
      mine += 1;
      joined += 1;
    });
    socket.on('disconnect', (reason) => {
      joined -= mine;
      disconnects[reason] = (disconnects[reason] ?? 0) + 1;
    });
  });
  publish = (ch, message) => io.to(`ch${ch}`).emit('m', message);
  subscriptions = () => joined;
  report = () => ({ subscriptions: joined, connections: io.engine.clientsCount, closes: disconnects, refused: {} });
} else {
  throw new Error('usage: stormServer.ts rxwire|socketio <port> <clients> <channels>');
}

let boot = 0;
let cpuAtListen = process.cpuUsage();
/** CPU time (user + system, ms) this process used since it listened. */
const cpuSinceListen = () => {
  const { user, system } = process.cpuUsage(cpuAtListen);
  return (user + system) / 1000;
};
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const publishAll = () => channels.forEach((ch) => publish(ch, { ch, boot }));

async function listen(): Promise<void> {
  http.listen(port, '127.0.0.1', 2048);
  await once(http, 'listening');
  boot = wallClock();
  cpuAtListen = process.cpuUsage();
  say({ listening: boot });
  const poll = setInterval(() => {
    if (subscriptions() < target) return;
    clearInterval(poll);
    say({ settled: wallClock(), cpu: cpuSinceListen() });
    publishAll();
  }, 5);
}

say({ standby: true });
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const command = JSON.parse(line) as { listen?: boolean; publish?: boolean; report?: boolean };
    if (command.listen) {
      listen().catch((error: unknown) => say({ error: String(error) }));
    } else if (command.publish) {
      publishAll();
      say({ published: true });
    } else if (command.report) {
      say(report());
    }
  })
  .on('close', () => process.exit(0));
