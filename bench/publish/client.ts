/**
 * The client process of the publish benchmark: `tsx bench/publish/client.ts <kind> <url> <streams> <warm> <count>`.
 *
 * One raw `ws` socket per stream (the same cheap client for every server), each frame
 * `JSON.parse`d: for rxwire it subscribes (`sub` to `feed` with `{ s: i }`) and reads
 * `msg` frames, checking that their offsets follow each other; for plain `ws` it says its
 * stream (`{"s":i}`) and reads the messages as they are. On either, the `n` of the
 * measured messages of a stream must be i, i + streams, i + 2 * streams, ...: a message
 * lost, duplicated or reordered is counted in `disorder`.
 *
 * Prints `{"connected":N}`, `{"ready":true}` once every socket had its `warm / streams`
 * warm-up messages, then `{"result":{...}}` once every socket had `count / streams`
 * measured ones (or nothing arrived for 5 s); exits on stdin's end.
 */
import WebSocket from 'ws';
import { FanoutDeliveries, args, asIs, connectAll, exitWithStdin, say } from '../clientProcess';
import { wallClock } from './common';

const { kind, url, streams, warm, count } = args({ kind: asIs, url: asIs, streams: Number, warm: Number, count: Number });

let errors = 0;
let closes = 0;
let disorder = 0;
const offsets = new Float64Array(streams);
const nextN = new Float64Array(streams).map((_, i) => i);
const tally = new FanoutDeliveries(streams, count / streams, warm / streams, 5000, (reason) => {
  const { deliveries, expected, short, unexpected, last } = tally;
  const clientCpu = cpuAtFirst === undefined ? 0 : cpuNow() - cpuAtFirst;
  say({ result: { reason, deliveries, expected, short, unexpected, disorder, errors, closes, last, clientCpu } }, () => process.exit(0));
});

/** This process's CPU time (user + system, µs) when the first measured message came. */
let cpuAtFirst: number | undefined;
const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

function deliver(i: number, message: { n: number }): void {
  if (message.n < 0) return tally.warmUp(i);
  cpuAtFirst ??= cpuNow();
  if (message.n !== nextN[i]) disorder += 1;
  nextN[i] = message.n + streams;
  tally.measured(i, wallClock(), () => undefined);
}

function open(i: number): Promise<void> {
  return new Promise((done, fail) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on('error', (error) => {
      errors += 1;
      fail(error);
    });
    socket.on('close', () => (closes += 1));
    socket.on('open', () => {
      if (kind === 'ws') {
        socket.send(JSON.stringify({ s: i }));
        done();
      } else {
        socket.send(JSON.stringify({ type: 'sub', id: '1', channel: 'feed', params: { s: i } }));
      }
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type?: string; offset: number; data: { n: number }; n: number };
      if (kind === 'ws') return deliver(i, frame);
      if (frame.type === 'msg') {
        if (frame.offset !== offsets[i]! + 1) disorder += 1;
        offsets[i] = frame.offset;
        deliver(i, frame.data);
      } else if (frame.type === 'subscribed') {
        offsets[i] = frame.offset;
        done();
      } else if (frame.type !== 'welcome') {
        fail(new Error(`unexpected frame ${String(data).slice(0, 200)}`));
      }
    });
  });
}

await connectAll(streams, 50, open);
