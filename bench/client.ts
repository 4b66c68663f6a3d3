/**
 * One benchmark run, in a fresh process: `tsx bench/client.ts <port> <case> <channels> <count> [hot] [readings]`
 * (`hot`: traffic on the first `hot` channels only, 0 for all; `readings`: messages of the
 * `samples` channel carrying that many numbers, validated one by one, instead of `device` updates).
 * Receives a warm-up batch, then `count` messages, and prints one JSON line with the
 * rate (and, for rxwire, the heap per open channel, measured with --expose-gc).
 */
import WebSocket from 'ws';
import * as t from 'io-ts';
import { createClient, defineProtocol } from '../src/index';
import { args, asIs, heap, report } from './clientProcess';

const { port, mode, channels, count, hot, readings } = args({
  port: Number,
  mode: asIs,
  channels: Number,
  count: Number,
  hot: (arg) => (arg && arg !== '0' ? Number(arg) : undefined),
  readings: (arg) => (arg ? Number(arg) : 0),
});
const warmup = Math.min(50_000, count);
const url = `ws://127.0.0.1:${port}`;

const DeviceUpdate = t.type({ id: t.string, temperature: t.number, unit: t.string });
const Samples = t.type({ id: t.string, readings: t.array(t.number) });
const protocol = defineProtocol({
  channels: { device: { params: t.type({ id: t.string }), message: DeviceUpdate }, samples: { params: t.type({ id: t.string }), message: Samples } },
});
const channelName = readings > 0 ? 'samples' : 'device';

/** Runs the warm-up batch, then the measured one; `onBatch` is told when each ends. */
function batches(start: (n: number) => void, received: () => number, done: (ms: number, cpuNs: number) => void): () => void {
  let phase: 'warmup' | 'measure' = 'warmup';
  let startedAt = 0;
  let cpuAt = process.cpuUsage();
  let target = warmup;
  start(warmup);
  return () => {
    if (received() < target) return;
    if (phase === 'warmup') {
      phase = 'measure';
      target = warmup + count;
      startedAt = performance.now();
      cpuAt = process.cpuUsage();
      start(count);
    } else {
      const cpu = process.cpuUsage(cpuAt);
      // The client process's CPU time (user + system) per measured message, in ns: steadier
      // than the rate on a noisy machine, since it does not count time spent waiting.
      done(performance.now() - startedAt, ((cpu.user + cpu.system) * 1000) / count);
    }
  };
}

/** The size of the last frame received, in bytes. */
let bytes = 0;

if (mode === 'raw') {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  let n = 0;
  let check = () => undefined as void;
  socket.on('open', () => {
    check = batches((c) => socket.send(JSON.stringify({ type: 'start', count: c, readings })), () => n, (ms, cpuNs) =>
      report({ mode, channels, count, ms, rate: (count / ms) * 1000, bytes, cpuNs }),
    );
  });
  socket.on('message', (data) => {
    bytes = (data as Buffer).length;
    const message = JSON.parse(String(data));
    if (message.type === 'msg') {
      n += 1;
      check();
    }
  });
} else if (mode === 'raw-map') {
  // The floor of routing: raw ws + JSON.parse + one Map of per-channel handlers, subscribed
  // to `channels` ids like rxwire's client, with a per-channel seq check and no validation.
  const socket = new WebSocket(url, { perMessageDeflate: false });
  let n = 0;
  let confirmed = 0;
  let check = () => undefined as void;
  const routes = new Map<string, { seq: number; next: (data: unknown) => void }>();
  socket.on('open', () => {
    for (let i = 0; i < channels; i++) {
      const id = String(i + 1);
      routes.set(id, { seq: 0, next: () => (n += 1) });
      socket.send(JSON.stringify({ type: 'sub', id, channel: 'device', params: { id: String(i) } }));
    }
  });
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'msg') {
      const route = routes.get(message.id);
      if (route && message.offset > route.seq) {
        route.seq = message.offset;
        route.next(message.data);
      }
      check();
    } else if (message.type === 'subscribed' && ++confirmed === channels) {
      check = batches((c) => socket.send(JSON.stringify({ type: 'start', count: c, hot })), () => n, (ms, cpuNs) =>
        report({ mode, channels, hot, count, ms, rate: (count / ms) * 1000, cpuNs }),
      );
    }
  });
} else {
  const client = createClient({ url, WebSocketCtor: WebSocket as never, protocol, heartbeat: false });
  let n = 0;
  let check = () => undefined as void;
  const onMessage = () => {
    n += 1;
    check();
  };
  const confirmed = (): number => {
    let acks = 0;
    client.stats$.subscribe((s) => (acks = s.messagesIn)).unsubscribe();
    return acks;
  };
  const when = (done: () => boolean, then: () => void): void => {
    const poll = setInterval(() => {
      if (!done()) return;
      clearInterval(poll);
      then();
    }, 20);
  };
  // Heap per channel: after the timed run, the heap with N channels against the heap once
  // N - 1 of them are left (so the client's fixed cost is not counted per channel). No
  // collection is forced before the timed run: forced collections with 10,000 channels'
  // state made V8 pretenure an allocation site of the per-frame path in about half the
  // runs, and every frame's garbage then went to the old generation (a third more CPU per
  // message at 10,000 channels, with traffic on 100 of them as on all; the bare Map case,
  // which forced no collection, never showed it).
  const subscriptions = [client.channel(channelName, { id: '0' }).subscribe(onMessage)];
  for (let i = 1; i < channels; i++) subscriptions.push(client.channel(channelName, { id: String(i) }).subscribe(onMessage));
  when(
    () => confirmed() >= channels,
    () => {
      check = batches((c) => client.send({ type: 'start', count: c, hot, readings }), () => n, (ms, cpuNs) => {
        const result = { mode, channels, hot, count, ms, rate: (count / ms) * 1000, cpuNs };
        if (channels === 1) report(result);
        const all = heap();
        for (const subscription of subscriptions.splice(1)) subscription.unsubscribe();
        // The unsubscribes leave in a batch at the end of the turn; measure after it.
        setTimeout(() => report({ ...result, heapPerChannel: (all - heap()) / (channels - 1) }), 100);
      });
    },
  );
}

setTimeout(() => {
  process.stderr.write(`bench client timed out (${mode}, ${channels} channels)\n`);
  process.exit(2);
}, 120_000).unref();
