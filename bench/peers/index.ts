/**
 * rxwire's client against the libraries users would pick instead, on one machine:
 *
 * 1. Inbound throughput of small JSON messages with 1, 100 and 10,000 open channels:
 *    raw `ws` + `JSON.parse` (the limit), `reconnecting-websocket` over `ws` + `JSON.parse`,
 *    RxJS `webSocket` + `multiplex` (one multiplexed Observable per channel),
 *    `socket.io-client` (one event per channel, against a socket.io server that writes
 *    pre-encoded frames, see socketioServer.ts), and rxwire's client (`createClient`
 *    with a `defineProtocol` channel codec, validation on).
 * 2. Heap per open channel at 10,000 channels (growth from 1 to N confirmed channels, after GC).
 * 3. Request/reply round trip, p50 and p99, over sequential requests: raw `ws`,
 *    socket.io `emitWithAck`, rxwire `client.request`.
 *
 * Method (as bench/run.ts, see ../shared/BENCH-REFERENCE.md): servers in their own
 * processes that pre-build frames and write them in batches; a fresh client process per
 * run with a warm-up; contenders rotated round by round; medians of per-round figures
 * with min–max. Every child process is killed at the end, also on failure.
 *
 * CLI: `node --import tsx bench/peers/index.ts [--quick] [--rounds N] [--count N] [--json FILE]`
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { keyOf, peerCases, type PeerCases } from './cases';
import { roundTripFigures, targetsOf, throughputFigures, type Results } from './figures';
import { peersMarkdown } from './markdown';
import { killAll, runClient, startServer } from './processes';
import type { PeerData } from './types';

export type { HeapRow, PeerData, RoundTripRow, Stat, Target, ThroughputRow } from './types';

const CLIENT_TIMEOUT = 170_000;

/** Runs every case once per round against the three server processes, rotated round by round. */
async function runRounds(cases: PeerCases, rounds: number): Promise<{ tpResults: Results; rtResults: Results; failures: Map<string, number> }> {
  const { throughputCases, roundTripCases, requestsOf, warmupOf } = cases;
  const tpResults: Results = new Map(throughputCases.map((c) => [keyOf(c), []]));
  const rtResults: Results = new Map(roundTripCases.map((c) => [keyOf(c), []]));
  const failures = new Map<string, number>();
  const fail = (k: string, error: unknown) => {
    failures.set(k, (failures.get(k) ?? 0) + 1);
    process.stderr.write(`peers: ${k} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  };
  /** One client process's result, or undefined (counted as a failure) when it failed. */
  const attempt = async (k: string, args: string[]) => {
    try {
      process.stderr.write(`peers: ${k} ...\n`);
      const t0 = performance.now();
      const result = await runClient(args, CLIENT_TIMEOUT);
      process.stderr.write(`peers: ${k}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      return result;
    } catch (error) {
      fail(k, error);
      return undefined;
    }
  };

  try {
    const [bench, socketio, rpc] = await Promise.all([
      startServer('../server.ts'),
      startServer('./socketioServer.ts'),
      startServer('./rpcServer.ts'),
    ]);
    const rpcPorts = JSON.parse(rpc.line) as { rxwire: number; raw: number };
    const ports = { bench: Number(bench.line), socketio: Number(socketio.line), raw: rpcPorts.raw, rxwire: rpcPorts.rxwire };

    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so that no case always runs first or last.
      const order = throughputCases.map((_, i) => throughputCases[(i + round * 3) % throughputCases.length]!);
      for (const c of order) {
        const result = await attempt(keyOf(c), [c.mode, String(ports[c.server]), String(c.channels), String(c.count), String(c.warmup)]);
        tpResults.get(keyOf(c))!.push(result);
      }
      const rtOrder = roundTripCases.map((_, i) => roundTripCases[(i + round) % roundTripCases.length]!);
      for (const c of rtOrder) {
        const result = await attempt(keyOf(c), [c.mode, String(ports[c.server]), String(requestsOf(c)), String(warmupOf(c)), String(c.readings)]);
        rtResults.get(keyOf(c))!.push(result);
      }
      process.stderr.write(`peers: round ${round + 1}/${rounds} done\n`);
    }
  } finally {
    killAll();
  }
  return { tpResults, rtResults, failures };
}

export async function runPeers(options: { quick: boolean; rounds: number; count: number }): Promise<{ markdown: string; data: PeerData }> {
  const { quick } = options;
  const rounds = Math.max(1, Math.floor(options.rounds));
  const count = Math.max(1, Math.floor(options.count));
  const loadBefore = loadavg()[0]!;
  const cases = peerCases(quick, count);

  const { tpResults, rtResults, failures } = await runRounds(cases, rounds);
  const { throughput, heap } = throughputFigures(cases.throughputCases, tpResults, failures);
  const roundTrip = roundTripFigures(cases.roundTripCases, rtResults, failures);
  const targets = targetsOf(throughput, heap, roundTrip);

  const data: PeerData = {
    meta: { date: new Date().toISOString(), node: process.version, quick, rounds, count, requests: cases.requests, cpus: cpus().length, loadBefore, loadAfter: loadavg()[0]! },
    throughput,
    heap,
    roundTrip,
    targets,
  };
  return { markdown: peersMarkdown(data, { count, warmup: cases.warmup, requestWarmup: cases.requestWarmup }), data };
}

// --- CLI, only when run directly ---
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    const value = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(value) || value < 1) throw new Error(`--${name} wants a positive number`);
    return value;
  };
  const quick = args.includes('--quick');
  const jsonIndex = args.indexOf('--json');
  const onSignal = () => {
    killAll();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killAll);
  runPeers({ quick, rounds: quick ? 1 : flag('rounds', 5), count: quick ? 20_000 : flag('count', 300_000) })
    .then(({ markdown, data }) => {
      console.log(markdown);
      if (jsonIndex >= 0 && args[jsonIndex + 1]) writeFileSync(args[jsonIndex + 1]!, `${JSON.stringify(data, null, 2)}\n`);
      process.exit(0);
    })
    .catch((error) => {
      console.error(error);
      killAll();
      process.exit(1);
    });
}
