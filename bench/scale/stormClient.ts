/**
 * One client process of the reconnect storm: `tsx bench/scale/stormClient.ts rxwire|socketio <url> <clients> <initialDelay> <maxDelay>`.
 *
 * - rxwire: real clients from `createClient` (default heartbeat, reconnect with its default
 *   exponential backoff and full jitter, `initialDelay` / `maxDelay` as given), each subscribed to `feed`;
 * - socketio: real `socket.io-client` sockets with their default reconnection, listening to `m`.
 *
 * Prints `{"ready":true}` once every client received a message. Each client remembers the
 * `boot` of its first message; it is "back" at the first message with another `boot` (from
 * the restarted server). Once every client is back, or on the command `{"report":true}`,
 * prints `{"result":{...}}`: when each came back (wall clock), and the highest retry number
 * any client used (the backoff window follows from it). Exits on stdin's end.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { createClient } from '../../src/index';
import { args, asIs, say } from '../clientProcess';
import { scaleProtocol, wallClock } from './common';

const { kind, url, clients, initialDelay, maxDelay } = args({ kind: asIs, url: asIs, clients: Number, initialDelay: Number, maxDelay: Number });

const firstBoot = new Float64Array(clients);
const backAt = new Float64Array(clients);
/** Per client, the retry attempt number of its latest retry. */
const attempts = new Uint32Array(clients);
let started = 0;
let back = 0;
let errors = 0;
let finished = false;

function report(reason: string): void {
  if (finished) return;
  finished = true;
  say({ result: { reason, clients, back, errors, backAt: Array.from(backAt).filter((x) => x > 0), maxAttempt: Math.max(...attempts) } }, () => process.exit(0));
}

function onMessage(i: number, message: { boot: number }): void {
  if (firstBoot[i] === 0) {
    firstBoot[i] = message.boot;
    if (++started === clients) say({ ready: true });
  } else if (backAt[i] === 0 && message.boot !== firstBoot[i]) {
    backAt[i] = wallClock();
    if (++back === clients) report('complete');
  }
}

for (let i = 0; i < clients; i++) {
  if (kind === 'rxwire') {
    const client = createClient({ url: url!, WebSocketCtor: WebSocket as never, protocol: scaleProtocol, reconnect: { initialDelay, maxDelay } });
    client.errors$.subscribe(() => (errors += 1));
    client.state$.subscribe((state) => {
      if (state.status === 'reconnecting') attempts[i] = Math.max(attempts[i]!, state.attempt);
    });
    client.channel('feed', {}).subscribe({ next: (m) => onMessage(i, m), error: () => (errors += 1) });
  } else {
    const socket = io(url!, { transports: ['websocket'], forceNew: true });
    socket.io.on('reconnect_attempt', (attempt) => (attempts[i] = Math.max(attempts[i]!, attempt)));
    socket.on('connect_error', () => (errors += 1));
    socket.on('m', (m: { boot: number }) => onMessage(i, m));
  }
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.includes('report')) report('asked');
  })
  .on('close', () => process.exit(0));
