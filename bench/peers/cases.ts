/** What the peer benchmark runs: its throughput and round-trip cases, and how many messages and requests each gets. */
import type { RoundTripRow, ThroughputRow } from './types';

export interface ThroughputCase {
  library: ThroughputRow['library'];
  name: string;
  mode: string;
  server: 'bench' | 'socketio';
  channels: number;
  count: number;
  warmup: number;
}

export interface RoundTripCase {
  library: RoundTripRow['library'];
  name: string;
  mode: string;
  server: 'raw' | 'rxwire' | 'socketio';
  /** Numbers in the payload's `readings` (0: `{ n }` alone). */
  readings: number;
}

/** Numbers in the large request/reply payload: about 8 KB of JSON. */
export const LARGE_READINGS = 1600;


/** The cases of one peer benchmark, and its message and request counts. */
export interface PeerCases {
  throughputCases: ThroughputCase[];
  roundTripCases: RoundTripCase[];
  /** The warm-up of the throughput runs (multiplex's capped runs have their own). */
  warmup: number;
  /** Requests timed per round-trip run with the small payload, and its warm-up. */
  requests: number;
  requestWarmup: number;
  /** Requests timed and warm-up requests of one round-trip run. */
  requestsOf: (c: RoundTripCase) => number;
  warmupOf: (c: RoundTripCase) => number;
}

export function peerCases(quick: boolean, count: number): PeerCases {
  const warmup = Math.min(50_000, count);
  // multiplex runs every message through every channel's filter: at 10,000 channels it
  // manages about a thousand messages a second, so its message count is capped.
  const multiplexCap = Math.min(count, quick ? 300 : 20_000);
  const multiplexWarmup = quick ? 100 : 2_000;
  const requests = quick ? 500 : 10_000;
  const requestWarmup = quick ? 100 : 1_000;

  const throughputCases: ThroughputCase[] = [
    { library: 'raw', name: 'raw `ws` + `JSON.parse`', mode: 'raw', server: 'bench', channels: 1, count, warmup },
    { library: 'reconnecting-websocket', name: '`reconnecting-websocket` + `JSON.parse`', mode: 'rws', server: 'bench', channels: 1, count, warmup },
  ];
  for (const channels of [1, 100, 10_000]) {
    const capped = channels >= 10_000;
    throughputCases.push(
      {
        library: 'rxjs-multiplex',
        name: 'RxJS `webSocket` + `multiplex`',
        mode: 'multiplex',
        server: 'bench',
        channels,
        count: capped ? multiplexCap : count,
        warmup: capped ? Math.min(multiplexWarmup, multiplexCap) : warmup,
      },
      { library: 'socket.io-client', name: '`socket.io-client`, event per channel', mode: 'socketio', server: 'socketio', channels, count, warmup },
      { library: 'rxwire', name: 'rxwire `createClient`, io-ts validation', mode: 'rxwire', server: 'bench', channels, count, warmup },
    );
  }
  // Two payload sizes: `{ n }` (a few bytes) and `{ n, readings }` (about 8 KB).
  const roundTripCases: RoundTripCase[] = [0, LARGE_READINGS].flatMap((readings) => [
    { library: 'raw' as const, name: 'raw `ws` (send, await matching reply)', mode: 'rtt-raw', server: 'raw' as const, readings },
    { library: 'socket.io-client' as const, name: 'socket.io `emitWithAck`', mode: 'rtt-socketio', server: 'socketio' as const, readings },
    { library: 'rxwire' as const, name: 'rxwire `client.request`', mode: 'rtt-rxwire', server: 'rxwire' as const, readings },
  ]);
  // Large requests take longer: fewer of them.
  const requestsOf = (c: RoundTripCase) => (c.readings > 0 ? Math.ceil(requests / 5) : requests);
  const warmupOf = (c: RoundTripCase) => (c.readings > 0 ? Math.ceil(requestWarmup / 5) : requestWarmup);
  return { throughputCases, roundTripCases, warmup, requests, requestWarmup, requestsOf, warmupOf };
}

/** The key of a case in the result tables and the failure counts. */
export const keyOf = (c: { mode: string; channels?: number; readings?: number }) => `${c.mode}:${c.channels ?? ''}:${c.readings ?? ''}`;
