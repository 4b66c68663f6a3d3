/**
 * One client process of the scale fan-out: `tsx bench/scale/fanClient.ts <kind> <url> <clients> <count> <idle ms>`.
 *
 * Every client is a raw `ws` socket, the same cheap client for every server, speaking
 * just enough of the server's wire format:
 * - rxwire: sends `{"type":"sub","id":"1","channel":"feed","params":{}}`, reads `{"type":"msg",...,"data":{...}}`;
 * - socketio: engine.io v4 over websocket (`/socket.io/?EIO=4&transport=websocket`): answers
 *   the open packet with `40`, pings `2` with `3`, reads `42["m",{...}]`;
 * - ws: reads the message as is.
 * Every frame is `JSON.parse`d. Opens at most 100 sockets at a time; prints `{"connected":N}`,
 * `{"ready":true}` once every client got a warm-up (`n` = -1), then, once every client got
 * `count` measured messages (or nothing arrived for `idle` ms), `{"result":{...}}` with the
 * deliveries, the last delivery's time and a latency histogram; exits on stdin's end.
 */
import WebSocket from 'ws';
import { BUCKETS, bucketOf, sparse, wallClock } from './common';

const [kind, url, clientsArg, countArg, idleArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const count = Number(countArg);
const idle = Number(idleArg);
const say = (value: unknown, then?: () => void): void => void process.stdout.write(`${JSON.stringify(value)}\n`, then);

const histogram = new Uint32Array(BUCKETS);
const perClient = new Uint32Array(clients);
const warmed = new Uint8Array(clients);
let warmedClients = 0;
let deliveries = 0;
let unexpected = 0;
let errors = 0;
let closes = 0;
let last = 0;
let lastArrival = 0;
let finished = false;
const expected = clients * count;

function finish(reason: string): void {
  if (finished) return;
  finished = true;
  const short = perClient.reduce((n, got) => n + (got < count ? 1 : 0), 0);
  say({ result: { reason, clients, deliveries, expected, short, unexpected, errors, closes, last, hist: sparse(histogram) } }, () => process.exit(0));
}

function deliver(i: number, message: { n: number; t: number }): void {
  const at = wallClock();
  if (message.n < 0) {
    if (!warmed[i]) {
      warmed[i] = 1;
      if (++warmedClients === clients) say({ ready: true });
    }
    return;
  }
  if (warmedClients < clients || perClient[i]! >= count) {
    unexpected += 1;
    return;
  }
  perClient[i] = perClient[i]! + 1;
  histogram[bucketOf(at - message.t)]! += 1;
  deliveries += 1;
  last = at;
  lastArrival = performance.now();
  if (deliveries === expected) finish('complete');
}

function open(i: number): Promise<void> {
  return new Promise((done, fail) => {
    const address = kind === 'socketio' ? `${url}/socket.io/?EIO=4&transport=websocket` : url!;
    const socket = new WebSocket(address, { perMessageDeflate: false });
    let opened = false;
    socket.on('error', (error) => {
      errors += 1;
      if (!opened) fail(error);
    });
    socket.on('close', () => (closes += 1));
    socket.on('open', () => {
      if (kind === 'rxwire') socket.send('{"type":"sub","id":"1","channel":"feed","params":{}}');
      if (kind !== 'socketio') {
        opened = true;
        done();
      }
    });
    socket.on('message', (data) => {
      const text = String(data);
      if (kind === 'rxwire') {
        const frame = JSON.parse(text) as { type: string; data: { n: number; t: number } };
        if (frame.type === 'msg') deliver(i, frame.data);
      } else if (kind === 'ws') {
        deliver(i, JSON.parse(text) as { n: number; t: number });
      } else if (text.startsWith('42')) {
        deliver(i, (JSON.parse(text.slice(2)) as [string, { n: number; t: number }])[1]);
      } else if (text === '2') {
        socket.send('3');
      } else if (text.startsWith('0')) {
        socket.send('40');
      } else if (text.startsWith('40')) {
        opened = true;
        done();
      }
    });
  });
}

// Bounded: at most 100 handshakes at a time, each socket once.
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(100, clients) }, async () => {
    while (next < clients) await open(next++);
  }),
).catch((error: unknown) => {
  say({ error: `connecting: ${(error as Error).message}` }, () => process.exit(1));
  return new Promise(() => undefined);
});
say({ connected: clients });

setInterval(() => {
  if (deliveries > 0 && performance.now() - lastArrival > idle) finish('idle');
}, 100).unref();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
