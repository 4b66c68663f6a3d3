/**
 * One run of the peer benchmark, in a fresh process (run with --expose-gc); prints one JSON line.
 *
 *   client.ts <mode> <port> <channels> <count> <warmup>   mode: raw | rws | multiplex | socketio | rxwire
 *   client.ts rtt-<raw|socketio|rxwire> <port> <count> <warmup>
 *
 * Throughput modes receive `warmup` messages, then `count` timed ones, spread round-robin
 * over `channels` open channels (raw and rws have none). Channel modes also report the
 * heap per open channel: the growth from 1 to N confirmed channels, after GC.
 * Round-trip modes send `warmup` + `count` sequential requests and report p50/p99 in µs.
 */
import WebSocket from 'ws';
import { firstValueFrom } from 'rxjs';
import { webSocket } from 'rxjs/webSocket';
import ReconnectingWebSocketModule from 'reconnecting-websocket';
import { io } from 'socket.io-client';
import { createClient } from '../../src/index';
import { args, asIs, heap, report } from '../clientProcess';
import { peersProtocol } from './protocol';

// reconnecting-websocket is CommonJS with `exports.default`; under Node's ESM loader the
// default import is the whole `module.exports`.
const ReconnectingWebSocket = ((ReconnectingWebSocketModule as unknown as { default?: unknown }).default ??
  ReconnectingWebSocketModule) as typeof ReconnectingWebSocketModule;

const { mode, port } = args({ mode: (arg) => arg ?? '', port: Number });
const url = `ws://127.0.0.1:${port}`;

setTimeout(() => {
  process.stderr.write(`peer bench client timed out (${process.argv.slice(2).join(' ')})\n`);
  process.exit(2);
}, 150_000).unref();

/** Resolves when `done()` holds, polling; rejects after `ms`. */
function until(done: () => boolean, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (done()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(poll);
        reject(new Error(`${mode}: condition not met within ${ms} ms`));
      }
    }, 5);
  });
}

/** Throughput: warm-up batch, then the timed one. `received()` counts `msg` frames. */
async function measure(start: (n: number) => void, received: () => number, count: number, warmup: number): Promise<number> {
  start(warmup);
  await until(() => received() >= warmup);
  const startedAt = performance.now();
  start(count);
  await until(() => received() >= warmup + count, 140_000);
  const ms = performance.now() - startedAt;
  return (count / ms) * 1000;
}

interface Msg {
  type: string;
  id?: string;
}

/** What a throughput run is asked for. */
interface Run {
  channels: number;
  count: number;
  warmup: number;
}

/** The heap per open channel: its growth from one confirmed channel (`one`) to all of them. */
const perChannel = (channels: number, one: number) => (channels > 1 ? (heap() - one) / (channels - 1) : undefined);

/** Raw `ws` + `JSON.parse`, one stream. */
async function raw({ count, warmup }: Run) {
  let n = 0;
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('message', (data) => {
    if ((JSON.parse(String(data)) as Msg).type === 'msg') n += 1;
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { rate: await measure((c) => socket.send(JSON.stringify({ type: 'start', count: c })), () => n, count, warmup) };
}

/** `reconnecting-websocket` + `JSON.parse`, one stream. */
async function rws({ count, warmup }: Run) {
  let n = 0;
  const socket = new ReconnectingWebSocket(url, [], { WebSocket, maxRetries: 0 });
  socket.addEventListener('message', (event) => {
    if ((JSON.parse(String(event.data)) as Msg).type === 'msg') n += 1;
  });
  await new Promise((resolve) => socket.addEventListener('open', resolve));
  return { rate: await measure((c) => socket.send(JSON.stringify({ type: 'start', count: c })), () => n, count, warmup) };
}

/** RxJS `webSocket` + one `multiplex` per channel. */
async function multiplex({ channels, count, warmup }: Run) {
  let n = 0;
  const subject = webSocket<Msg>({ url, WebSocketCtor: WebSocket as never });
  let acks = 0;
  const subscribe = (i: number) => {
    const id = String(i);
    subject
      .multiplex(
        () => ({ type: 'sub', id, channel: 'device', params: { id } }),
        () => ({ type: 'unsub', id }),
        (m) => m.id === id,
      )
      .subscribe((m) => {
        if (m.type === 'msg') n += 1;
        else if (m.type === 'subscribed') acks += 1;
      });
  };
  subscribe(0);
  await until(() => acks >= 1);
  const one = heap();
  for (let i = 1; i < channels; i++) subscribe(i);
  await until(() => acks >= channels);
  const heapPerChannel = perChannel(channels, one);
  const rate = await measure((c) => subject.next({ type: 'start', count: c } as Msg), () => n, count, warmup);
  return { rate, heapPerChannel };
}

/** `socket.io-client`, one event per channel, joined with an acknowledged `join`. */
async function socketio({ channels, count, warmup }: Run) {
  let n = 0;
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
  const onMessage = () => {
    n += 1;
  };
  const join = (i: number) => {
    socket.on(`c:${i}`, onMessage);
    return socket.timeout(30_000).emitWithAck('join', String(i));
  };
  await join(0);
  const one = heap();
  const joins: Promise<unknown>[] = [];
  for (let i = 1; i < channels; i++) joins.push(join(i));
  await Promise.all(joins);
  const heapPerChannel = perChannel(channels, one);
  const rate = await measure((c) => void socket.timeout(30_000).emitWithAck('start', { count: c }), () => n, count, warmup);
  return { rate, heapPerChannel };
}

/** rxwire's `createClient`, io-ts validation on. */
async function rxwire({ channels, count, warmup }: Run) {
  let n = 0;
  const client = createClient({ url, WebSocketCtor: WebSocket as never, protocol: peersProtocol, heartbeat: false });
  const onMessage = () => {
    n += 1;
  };
  const confirmed = (): number => {
    let acks = 0;
    client.stats$.subscribe((s) => (acks = s.messagesIn)).unsubscribe();
    return acks;
  };
  client.channel('device', { id: '0' }).subscribe(onMessage);
  await until(() => confirmed() >= 1);
  const one = heap();
  for (let i = 1; i < channels; i++) client.channel('device', { id: String(i) }).subscribe(onMessage);
  await until(() => confirmed() >= channels);
  const heapPerChannel = perChannel(channels, one);
  const rate = await measure((c) => client.send({ type: 'start', count: c }), () => n, count, warmup);
  return { rate, heapPerChannel };
}

const THROUGHPUT = new Map<string, (run: Run) => Promise<Record<string, unknown>>>([
  ['raw', raw],
  ['rws', rws],
  ['multiplex', multiplex],
  ['socketio', socketio],
  ['rxwire', rxwire],
]);

async function throughput(): Promise<void> {
  const { channels, count, warmup } = args({ mode: asIs, port: asIs, channels: Number, count: Number, warmup: Number });
  const run = THROUGHPUT.get(mode);
  if (!run) throw new Error(`unknown mode ${mode}`);
  report({ mode, channels, count, ...(await run({ channels, count, warmup })) });
}

async function roundTrip(): Promise<void> {
  const { count, warmup, readingsCount } = args({ mode: asIs, port: asIs, count: Number, warmup: Number, readingsCount: (arg) => Number(arg ?? 0) });
  // The large payload: `readings` numbers, built once and sent with every request.
  const readings = readingsCount > 0 ? Array.from({ length: readingsCount }, (_, i) => 20 + (i % 100) / 4) : undefined;
  const payload = (n: number) => (readings ? { n, readings } : { n });
  let call: (i: number) => Promise<unknown>;

  if (mode === 'rtt-raw') {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const pending = new Map<string, (data: unknown) => void>();
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; id: string; data: unknown };
      if (message.type === 'res') {
        pending.get(message.id)?.(message.data);
        pending.delete(message.id);
      }
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    call = (i) =>
      new Promise((resolve) => {
        const id = String(i);
        pending.set(id, resolve);
        socket.send(JSON.stringify({ type: 'req', id, name: 'echo', payload: payload(i) }));
      });
  } else if (mode === 'rtt-socketio') {
    const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
    call = (i) => socket.timeout(10_000).emitWithAck('echo', payload(i));
  } else if (mode === 'rtt-rxwire') {
    const client = createClient({ url, WebSocketCtor: WebSocket as never, protocol: peersProtocol, heartbeat: false });
    client.connect();
    call = (i) => firstValueFrom(client.request('echo', payload(i), { timeout: 10_000 }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }

  const samples = new Float64Array(count);
  for (let i = 0; i < warmup + count; i++) {
    const startedAt = performance.now();
    const reply = (await call(i)) as { n?: number; readings?: number[] };
    if (readings && reply?.readings?.length !== readings.length) throw new Error(`${mode}: reply to request ${i} lost its readings`);
    const us = (performance.now() - startedAt) * 1000;
    if (reply?.n !== i) throw new Error(`${mode}: reply ${JSON.stringify(reply)} to request ${i}`);
    if (i >= warmup) samples[i - warmup] = us;
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(count - 1, Math.floor(q * count))]!;
  report({ mode, count, p50: at(0.5), p99: at(0.99), bytes: JSON.stringify(payload(0)).length });
}

(mode.startsWith('rtt-') ? roundTrip() : throughput()).catch((error) => {
  process.stderr.write(`${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
