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
import { FanoutDeliveries, args, asIs, connectAll, exitWithStdin, say } from '../clientProcess';
import { BUCKETS, bucketOf, sparse, wallClock } from './common';

const { kind, url, clients, count, idle } = args({ kind: asIs, url: asIs, clients: Number, count: Number, idle: Number });

const histogram = new Uint32Array(BUCKETS);
let errors = 0;
let closes = 0;
const tally = new FanoutDeliveries(clients, count, 1, idle, (reason) => {
  const { deliveries, expected, short, unexpected, last } = tally;
  say({ result: { reason, clients, deliveries, expected, short, unexpected, errors, closes, last, hist: sparse(histogram) } }, () => process.exit(0));
});

function deliver(i: number, message: { n: number; t: number }): void {
  const at = wallClock();
  if (message.n < 0) tally.warmUp(i);
  else tally.measured(i, at, () => (histogram[bucketOf(at - message.t)]! += 1));
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
await connectAll(clients, 100, open);
