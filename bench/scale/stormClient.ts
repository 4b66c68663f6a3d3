/**
 * One client process of the reconnect storm:
 * `tsx bench/scale/stormClient.ts rxwire|socketio <url> <clients> <channels> <jitter|default> <initialDelay|default> [connectTimeout]`.
 *
 * - rxwire: real clients from `createClient` (default heartbeat; reconnect with
 *   RECONNECT_DEFAULTS, or the jitter / initialDelay given), each subscribed to `storm`
 *   with `{ ch }` for every channel number;
 * - socketio: real `socket.io-client` sockets with their default reconnection, emitting one
 *   `sub` event per channel on every `connect` (the server joins it to that room), listening to `m`.
 *
 * Prints `{"ready":true}` once every client heard the server on every channel. Each client
 * remembers the `boot` of its first message; it is "back" once it heard another `boot`
 * (the restarted server) on every channel. Once every client is back, or on the command
 * `{"report":true}`, prints `{"result":{...}}`: when each came back and when each was open
 * again (wall clock), retries (the highest retry number, and how many in all), the close
 * codes the clients saw, and how many clients gave up. Stays connected (so that the server's
 * count of closes is not the clients leaving) until stdin ends, then exits.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { createClient, type Jitter } from '../../src/index';
import { args, asIs, say } from '../clientProcess';
import { stormProtocol, wallClock } from './common';

const { kind, url, clients, channels, jitter, initialDelay, connectTimeout } = args({ kind: asIs, url: asIs, clients: Number, channels: Number, jitter: asIs, initialDelay: asIs, connectTimeout: asIs });

const firstBoot = new Float64Array(clients);
/** Per client and channel: 1 once heard from the first server, 2 once heard from the restarted one. */
const heard = new Uint8Array(clients * channels);
const readyChannels = new Uint32Array(clients);
const backChannels = new Uint32Array(clients);
const backAt = new Float64Array(clients);
const openAt = new Float64Array(clients);
const down = new Uint8Array(clients);
/** Per client, the retry number of its latest retry. */
const attempts = new Uint32Array(clients);
let retries = 0;
let ready = 0;
let back = 0;
let givenUp = 0;
const codes: Record<string, number> = {};
let finished = false;

function report(reason: string): void {
  if (finished) return;
  finished = true;
  const times = (xs: Float64Array) => Array.from(xs).filter((x) => x > 0);
  say({ result: { reason, clients, back, backAt: times(backAt), openAt: times(openAt), maxAttempt: Math.max(...attempts), retries, codes, givenUp, cpu: cpuStorm } });
}

let cpuAtKill: NodeJS.CpuUsage | undefined;
/** CPU time (ms) this process used from the first drop until every client was back. */
let cpuStorm = 0;

function onMessage(i: number, message: { ch: number; boot: number }): void {
  const slot = i * channels + message.ch;
  if (firstBoot[i] === 0) firstBoot[i] = message.boot;
  if (message.boot === firstBoot[i]) {
    if (heard[slot] === 0) {
      heard[slot] = 1;
      if (++readyChannels[i]! === channels && ++ready === clients) say({ ready: true });
    }
  } else if (heard[slot] !== 2) {
    heard[slot] = 2;
    if (++backChannels[i]! === channels) {
      backAt[i] = wallClock();
      if (++back === clients) {
        const { user, system } = process.cpuUsage(cpuAtKill);
        cpuStorm = (user + system) / 1000;
        report('complete');
      }
    }
  }
}

const onOpen = (i: number) => {
  if (down[i]) openAt[i] = wallClock();
  down[i] = 0;
};
const onRetry = (i: number, attempt: number, code?: number) => {
  cpuAtKill ??= process.cpuUsage();
  down[i] = 1;
  retries += 1;
  attempts[i] = Math.max(attempts[i]!, attempt);
  if (code !== undefined) codes[code] = (codes[code] ?? 0) + 1;
};

const reconnect = {
  ...(jitter === 'default' ? {} : { jitter: jitter as Jitter }),
  ...(initialDelay === 'default' ? {} : { initialDelay: Number(initialDelay) }),
};
for (let i = 0; i < clients; i++) {
  if (kind === 'rxwire') {
    const timeout = connectTimeout === undefined || connectTimeout === 'default' ? {} : { connectTimeout: Number(connectTimeout) };
    const client = createClient({ url: url!, WebSocketCtor: WebSocket as never, protocol: stormProtocol, reconnect, ...timeout });
    client.state$.subscribe((state) => {
      if (state.status === 'reconnecting') onRetry(i, state.attempt, state.code);
      else if (state.status === 'open') onOpen(i);
      else if (state.status === 'closed' && state.final) {
        givenUp += 1;
        codes[`final ${state.code}`] = (codes[`final ${state.code}`] ?? 0) + 1;
      }
    });
    for (let ch = 0; ch < channels; ch++) client.channel('storm', { ch }).subscribe({ next: (m) => onMessage(i, m), error: () => (codes.channelError = (codes.channelError ?? 0) + 1) });
  } else {
    const socket = io(url!, { transports: ['websocket'], forceNew: true });
    socket.io.on('reconnect_attempt', (attempt) => onRetry(i, attempt));
    socket.io.on('reconnect_failed', () => (givenUp += 1));
    socket.on('disconnect', () => (down[i] = 1));
    socket.on('connect', () => {
      onOpen(i);
      for (let ch = 0; ch < channels; ch++) socket.emit('sub', ch);
    });
    socket.on('m', (m: { ch: number; boot: number }) => onMessage(i, m));
  }
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.includes('report')) report('asked');
  })
  .on('close', () => process.exit(0));
