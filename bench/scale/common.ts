/** What the scale benchmark's processes share: child processes read line by line, a clock, statistics. */
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as t from 'io-ts';
import { RECONNECT_DEFAULTS, defineProtocol } from '../../src/index';

export const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
export const tsx = ['--import', 'tsx'];

/** Wall-clock ms with sub-ms resolution, the same in every process of the host. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/** `feed` with no params: `n` numbers measured messages (warm-ups -1), `t` the publish time, `boot` the server's start. */
export const scaleProtocol = defineProtocol({
  channels: { feed: { params: t.type({}), message: t.type({ n: t.number, t: t.number, boot: t.number }) } },
});

/** The storm's channels: `storm` with params `{ ch }`, one stream per channel number; messages carry the server's `boot`. */
export const stormProtocol = defineProtocol({
  channels: { storm: { params: t.type({ ch: t.number }), message: t.type({ ch: t.number, boot: t.number }) } },
});

export { Child } from '../child';

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** A latency histogram in 0.1 ms buckets up to 60 s (the last bucket holds everything beyond). */
export const BUCKETS = 600_000;
export const bucketOf = (ms: number): number => Math.min(BUCKETS - 1, Math.max(0, Math.round(ms * 10)));

/** Sparse form of a histogram: [bucket, count] pairs. */
export function sparse(histogram: Uint32Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < histogram.length; i++) if (histogram[i]) out.push([i, histogram[i]!]);
  return out;
}

/** The value (ms) at quantile q of merged sparse histograms (nearest rank). */
export function histogramQuantile(parts: Array<Array<[number, number]>>, q: number): number {
  const merged = new Map<number, number>();
  let total = 0;
  for (const part of parts)
    for (const [b, c] of part) {
      merged.set(b, (merged.get(b) ?? 0) + c);
      total += c;
    }
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const b of [...merged.keys()].sort((x, y) => x - y)) {
    seen += merged.get(b)!;
    if (seen >= rank) return b / 10;
  }
  return NaN;
}

export { median } from '../stats';

export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The servers of the fan-out, one fresh process each per round. */
export const SERVERS = ['rxwire', 'socketio', 'ws'] as const;
/** Sockets per fan-out client process. */
export const PER_PROCESS = 2500;
/** Channels each storm client subscribes to (socket.io: rooms, one `sub` event each). */
export const STORM_CHANNELS = 10;
/** How long the storm's server stays down: from the SIGKILL until its replacement (started beforehand, set up, waiting) listens, in ms. */
export const STORM_DOWNTIME = 1000;
/** Clients per storm client process. */
export const STORM_PER_PROCESS = 2500;

/**
 * A contender of the storm: `socketio` (socket.io-client defaults), `rxwire` (RECONNECT_DEFAULTS)
 * or `rxwire:<jitter>:<initialDelay>[:<connectTimeout>]` (the defaults but these).
 */
export type StormContender = string;

/** The contender's label in tables and charts. */
export function contenderLabel(contender: StormContender): string {
  if (contender === 'socketio') return 'socket.io-client';
  const [, jitter, initialDelay, connectTimeout] = contender.split(':');
  if (jitter === undefined) return `rxwire (defaults: ${RECONNECT_DEFAULTS.jitter}, ${RECONNECT_DEFAULTS.initialDelay} ms)`;
  return `rxwire, ${jitter} jitter, ${initialDelay} ms${connectTimeout ? `, connectTimeout ${connectTimeout} ms` : ''}`;
}
