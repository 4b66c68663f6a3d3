/**
 * The scale benchmark of rxwire's SERVER side: `node --import tsx bench/scale/index.ts [--quick] [--rounds N]`,
 * or `runScale({ quick, rounds })` from another script (it returns the markdown and the figures).
 *
 * 4. Server fan-out: C clients (1,000 and 10,000; quick: 100 and 500) subscribed to one channel
 *    of one server process; the server sends M messages at a fixed rate. Three servers, each in
 *    its own fresh process per round: rxwire (`server.publish`, memory broker), socket.io 4
 *    (`io.emit`, websocket transport only) and a plain `ws` loop over `wss.clients`. The
 *    clients are the same for every server: raw `ws` sockets (at most 2,500 per client
 *    process) speaking just enough of the server's wire format and `JSON.parse`-ing every
 *    frame (see fanClient.ts), so that what differs is the server. Per round: deliveries/s
 *    (every delivery / (last delivery - first publish)) and the p50 / p99 of publish stamp
 *    to client receipt (one host, one clock). A round that loses a delivery fails.
 * 5. Reconnect storm: C clients (1,000 and 10,000; quick: 200), each subscribed to 10 channels,
 *    on one server process; the server is SIGKILLed and a replacement (started beforehand,
 *    waiting) listens on the same port STORM_DOWNTIME ms later. "Settled": from the
 *    replacement listening until its subscription count is back to C × 10; then it publishes
 *    once per channel and every client must hear it on every channel. Contenders, rotated
 *    round by round: socket.io-client (defaults: 1,000 ms doubling to 5,000 ms,
 *    randomization 0.5; 10 rooms, one `sub` event each on every `connect`) and rxwire's
 *    `createClient` with each jitter (`rxwire:<jitter>:<initialDelay>`) and with
 *    RECONNECT_DEFAULTS. Clients that gave up and closes with 1008/1013 are counted.
 *    `--storm-only`, `--storm-sizes`, `--storm-contenders`, `--storm-downtime` choose what runs.
 *
 * Set BENCH_CPU_PROF=<dir> to write a `--cpu-prof` profile of every fan-out server process there.
 *
 * Contenders alternate round by round; tables give medians with min–max. Every wait has a
 * timeout and every child is killed at the end, on failure as well.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { RECONNECT_DEFAULTS } from '../../src/index';
import { Child, PER_PROCESS, contenderLabel, type StormContender, SERVERS, STORM_CHANNELS, STORM_DOWNTIME, STORM_PER_PROCESS, freePort, here, histogramQuantile, quantile, tsx, wallClock } from './common';
import { warmUp } from '../child';
import { runAsScript } from '../report';
import { millis, perSecond, scaleMarkdown, stormCharts } from './markdown';

export { contenderLabel, type StormContender } from './common';

export interface ScaleOptions {
  quick: boolean;
  rounds: number;
  /** The storm's contenders; default: socket.io and rxwire with each jitter at the default initialDelay (quick: socket.io and rxwire's defaults). */
  stormContenders?: StormContender[];
  /** The storm's sizes; default 1,000 and 10,000 clients (quick: 200). */
  stormSizes?: number[];
  /** Only the storm (no fan-out). */
  stormOnly?: boolean;
  /** The storm server's downtime, in ms (default STORM_DOWNTIME). */
  stormDowntime?: number;
}

/** socket.io, and rxwire with each jitter at the default initialDelay (and the defaults, if they are none of those). */
export function defaultContenders(): StormContender[] {
  const jitters = ['full', 'equal', 'decorrelated'].map((j) => `rxwire:${j}:${RECONNECT_DEFAULTS.initialDelay}`);
  const defaults = `rxwire:${RECONNECT_DEFAULTS.jitter}:${RECONNECT_DEFAULTS.initialDelay}`;
  return ['socketio', ...(jitters.includes(defaults) ? jitters : [...jitters, 'rxwire'])];
}

export interface FanoutRound {
  server: string;
  clients: number;
  /** Messages per second offered; 0: back to back, as fast as the server goes. */
  rate: number;
  round: number;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  /** The server process's CPU time (user + system) per delivery, in microseconds, from the first publish until every client had all. */
  cpuPerDelivery: number;
}

export interface StormRound {
  /** `socketio`, `rxwire` (RECONNECT_DEFAULTS) or `rxwire:<jitter>:<initialDelay>`. */
  contender: StormContender;
  clients: number;
  round: number;
  /** ms from the kill to the new server listening. */
  downtime: number;
  /** ms from the first server listening until every client had subscribed to every channel: the clients all start at once (a storm without backoff). */
  initial: number;
  /** ms from the new server listening until its subscription count was back to clients × channels (NaN: never). */
  settled: number;
  /** ms from the new server listening until every client heard it on every channel (NaN: some never did), and until half did. */
  allBack: number;
  p50: number;
  /** ms from the new server listening until the last client was open again. */
  lastOpen: number;
  /** Highest retry number any client made, and retries in all (connection attempts after the first). */
  maxAttempt: number;
  retries: number;
  back: number;
  /** Clients that gave up (a final close), which must be none. */
  givenUp: number;
  /** Closes with 1008 or 1013 (rate limit, try again later), counted by the server and the clients; peers refused at the upgrade. */
  limitCloses: number;
  refused: number;
  serverCloses: Record<string, number>;
  /** CPU ms of the replacement server from listening to settled, and of every client process from the drop until all its clients were back. */
  serverCpu: number;
  clientCpu: number;
}

export interface ScaleData {
  date: string;
  node: string;
  quick: boolean;
  rounds: number;
  fanout: { messages: number; cases: Array<{ clients: number; rate: number }>; rounds: FanoutRound[] };
  storm: { channels: number; downtime: number; sizes: number[]; contenders: StormContender[]; rounds: StormRound[] };
}


const log = (text: string) => process.stderr.write(`${text}\n`);

// ---------------------------------------------------------------- scenario 4: fan-out

export async function fanoutRound(server: string, clients: number, messages: number, rate: number): Promise<Omit<FanoutRound, 'round'>> {
  const started: Child[] = [];
  try {
    const srv = new Child(`${server} fan-out server`, process.execPath, [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), ...tsx, here('./fanServer.ts'), server]);
    started.push(srv);
    const { port } = await srv.json<{ port: number }>(30_000, 'its port');
    const processes = Math.max(2, Math.ceil(clients / PER_PROCESS));
    const procs: Child[] = [];
    for (let p = 0; p < processes; p++) {
      const size = Math.floor(clients / processes) + (p < clients % processes ? 1 : 0);
      const child = new Child(`client process ${p + 1}`, process.execPath, [...tsx, here('./fanClient.ts'), server, `ws://127.0.0.1:${port}`, String(size), String(messages), '5000']);
      procs.push(child);
      started.push(child);
    }
    await Promise.all(procs.map((c) => c.json(120_000, 'its connected line')));

    // Warm up: send batches until every client got a warm-up message.
    await warmUp(procs, () => srv.command({ warm: 3 }, 30_000, 'a warm-up batch'), { what: server, maxBatches: 2000, pause: 50 });
    await sleep(300);

    const limit = 60_000 + (rate > 0 ? (messages / rate) * 1000 : 0);
    const { cpu: cpuBefore } = await srv.command<{ cpu: number }>({ cpu: true }, 10_000, 'its CPU time');
    const [run, ...outs] = await Promise.all([
      srv.command<{ first: number; ms: number }>({ run: { count: messages, rate } }, limit, 'the end of the sending'),
      ...procs.map((c) => c.json<{ result: { deliveries: number; short: number; unexpected: number; last: number; hist: Array<[number, number]> } }>(limit, 'its result')),
    ]);
    const { cpu: cpuAfter } = await srv.command<{ cpu: number }>({ cpu: true }, 10_000, 'its CPU time');
    const results = outs.map((o) => o.result);
    const deliveries = results.reduce((n, r) => n + r.deliveries, 0);
    if (deliveries !== clients * messages) {
      throw new Error(`${server}, ${clients} clients: ${deliveries} of ${clients * messages} deliveries (${results.reduce((n, r) => n + r.short, 0)} clients short)`);
    }
    const last = Math.max(...results.map((r) => r.last));
    const hists = results.map((r) => r.hist);
    return {
      server,
      clients,
      rate,
      deliveriesPerSecond: (deliveries / (last - run.first)) * 1000,
      p50: histogramQuantile(hists, 0.5),
      p99: histogramQuantile(hists, 0.99),
      cpuPerDelivery: (cpuAfter - cpuBefore) / deliveries,
    };
  } finally {
    await Promise.allSettled(started.map((c) => c.stop()));
  }
}

// ---------------------------------------------------------------- scenario 5: reconnect storm

type StormResult = { back: number; backAt: number[]; openAt: number[]; maxAttempt: number; retries: number; codes: Record<string, number>; givenUp: number; cpu: number };
type ServerReport = { subscriptions: number; connections: number; closes: Record<string, number>; refused: Record<string, number> };

/** Reads a server's lines until one that has `key` (a late `settled` line may come before a report). */
async function lineWith<T>(srv: Child, key: string, ms: number, what: string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await srv.json<Record<string, unknown>>(Math.max(1, deadline - performance.now()), what);
    if (key in value) return value as T;
  }
}

export async function stormRound(contender: StormContender, clients: number, downtime = STORM_DOWNTIME): Promise<Omit<StormRound, 'round'>> {
  const started: Child[] = [];
  const kind = contender === 'socketio' ? 'socketio' : 'rxwire';
  const [, jitter = 'default', initialDelay = 'default', connectTimeout = 'default'] = contender.split(':');
  const port = await freePort();
  // Generous for 10,000 clients on this 2-core machine.
  const settleLimit = clients >= 5000 ? 120_000 : 60_000;
  const standby = async (name: string) => {
    const srv = new Child(name, process.execPath, [...tsx, here('./stormServer.ts'), kind, String(port), String(clients), String(STORM_CHANNELS)]);
    started.push(srv);
    await srv.json(30_000, 'its standby line');
    return srv;
  };
  const listen = async (srv: Child) => (await srv.command<{ listening: number }>({ listen: true }, 10_000, 'its listening line')).listening;
  try {
    const first = { srv: await standby(`${contender} storm server`) };
    const firstListening = await listen(first.srv);
    const replacement = await standby(`${contender} storm server (restarted)`);
    const processes = Math.max(1, Math.ceil(clients / STORM_PER_PROCESS));
    const procs: Child[] = [];
    for (let p = 0; p < processes; p++) {
      const size = Math.floor(clients / processes) + (p < clients % processes ? 1 : 0);
      const args = [kind, `ws://127.0.0.1:${port}`, String(size), String(STORM_CHANNELS), jitter, initialDelay, connectTimeout];
      const child = new Child(`storm client process ${p + 1}`, process.execPath, [...tsx, here('./stormClient.ts'), ...args]);
      procs.push(child);
      started.push(child);
    }
    const { settled: firstSettled } = await lineWith<{ settled: number }>(first.srv, 'settled', settleLimit, 'every subscription (first server)');
    await Promise.all(procs.map((c) => c.json(30_000, 'its ready line')));
    await sleep(1000);

    const killedAt = wallClock();
    await first.srv.stop(true);
    await sleep(downtime - (wallClock() - killedAt));
    const second = { srv: replacement, listening: await listen(replacement) };
    let settledAt = NaN;
    let serverCpu = NaN;
    try {
      ({ settled: settledAt, cpu: serverCpu } = await lineWith<{ settled: number; cpu: number }>(second.srv, 'settled', settleLimit, 'every subscription'));
    } catch (error) {
      log(`storm: ${contender}, ${clients} clients: not settled within ${settleLimit} ms (${(error as Error).message.split('\n')[0]})`);
    }
    // Every client now hears the server's one message per channel; ask for the results if not.
    const timer = setTimeout(() => procs.forEach((c) => c.send({ report: true })), Number.isNaN(settledAt) ? 0 : 15_000);
    let outs: Array<{ result: StormResult }>;
    try {
      outs = await Promise.all(procs.map((c) => c.json<{ result: StormResult }>(30_000, 'its result')));
    } finally {
      clearTimeout(timer);
    }
    second.srv.send({ report: true });
    const server = await lineWith<ServerReport>(second.srv, 'subscriptions', 10_000, 'its report');
    const since = (xs: number[]) => xs.map((x) => x - second.listening).sort((a, b) => a - b);
    const backAt = since(outs.flatMap((o) => o.result.backAt));
    const openAt = since(outs.flatMap((o) => o.result.openAt));
    const back = outs.reduce((n, o) => n + o.result.back, 0);
    const codes: Record<string, number> = {};
    for (const o of outs) for (const [code, n] of Object.entries(o.result.codes)) codes[code] = (codes[code] ?? 0) + n;
    const limited = (counts: Record<string, number>) => (counts['1008'] ?? 0) + (counts['1013'] ?? 0);
    return {
      contender,
      clients,
      downtime: second.listening - killedAt,
      initial: firstSettled - firstListening,
      settled: settledAt - second.listening,
      allBack: back === clients ? backAt[backAt.length - 1]! : NaN,
      p50: back ? quantile(backAt, 0.5) : NaN,
      lastOpen: openAt.length ? openAt[openAt.length - 1]! : NaN,
      maxAttempt: Math.max(...outs.map((o) => o.result.maxAttempt)),
      retries: outs.reduce((n, o) => n + o.result.retries, 0),
      back,
      givenUp: outs.reduce((n, o) => n + o.result.givenUp, 0),
      limitCloses: limited(server.closes) + limited(codes),
      refused: Object.values(server.refused).reduce((n, x) => n + x, 0),
      serverCloses: server.closes,
      serverCpu,
      clientCpu: outs.reduce((n, o) => n + (o.result.cpu ?? 0), 0),
    };
  } finally {
    await Promise.allSettled(started.map((c) => c.stop(true)));
  }
}

// ---------------------------------------------------------------- the benchmark

export async function runScale(options: ScaleOptions): Promise<{ markdown: string; data: ScaleData; charts: Array<{ name: string; caption: string; svg: string }> }> {
  const { quick } = options;
  const rounds = Math.max(1, options.rounds);
  const sizes = quick ? [100] : [1000, 10_000];
  const messages = quick ? 100 : 200;
  // A steady offered load: 100 messages/s, and 5/s at 10,000 clients (50k deliveries/s: at
  // 10/s this 2-core machine, which also runs the 10,000 client sockets, saturates, and every
  // server falls behind); and at the smaller size, the same messages back to back.
  const rateOf = (clients: number) => (clients >= 10_000 ? 5 : 100);
  const cases = [...sizes.map((clients) => ({ clients, rate: rateOf(clients) })), { clients: sizes[0]!, rate: 0 }];
  const stormSizes = options.stormSizes ?? (quick ? [200] : [1000, 10_000]);
  const contenders = options.stormContenders ?? (quick ? ['socketio', 'rxwire'] : defaultContenders());
  const data: ScaleData = {
    date: new Date().toISOString(),
    node: process.version,
    quick,
    rounds,
    fanout: { messages, cases: options.stormOnly ? [] : cases, rounds: [] },
    storm: { channels: STORM_CHANNELS, downtime: options.stormDowntime ?? STORM_DOWNTIME, sizes: stormSizes, contenders, rounds: [] },
  };

  for (let r = 0; r < rounds; r++) {
    for (const { clients, rate } of options.stormOnly ? [] : cases) {
      for (let i = 0; i < SERVERS.length; i++) {
        const server = SERVERS[(i + r) % SERVERS.length]!;
        log(`fan-out round ${r + 1}/${rounds}: ${server}, ${clients} clients at ${rate || 'max'}/s ...`);
        const result = await fanoutRound(server, clients, messages, rate);
        data.fanout.rounds.push({ ...result, round: r + 1 });
        log(`fan-out round ${r + 1}/${rounds}: ${server}, ${clients} clients at ${rate || 'max'}/s: ${perSecond(result.deliveriesPerSecond)}/s p50 ${millis(result.p50)} ms p99 ${millis(result.p99)} ms`);
      }
    }
    for (const size of stormSizes) {
      // Rotate the order each round so that no contender always goes first.
      for (let i = 0; i < contenders.length; i++) {
        const contender = contenders[(i + r) % contenders.length]!;
        log(`storm round ${r + 1}/${rounds}: ${contenderLabel(contender)}, ${size} clients ...`);
        const result = await stormRound(contender, size, options.stormDowntime ?? STORM_DOWNTIME);
        data.storm.rounds.push({ ...result, round: r + 1 });
        log(
          `storm round ${r + 1}/${rounds}: ${contenderLabel(contender)}, ${size} clients: settled ${millis(result.settled)} ms, all back ${millis(result.allBack)} ms (p50 ${millis(result.p50)}), down ${millis(result.downtime)} ms, first connection ${millis(result.initial)} ms, retry ${result.maxAttempt}, ${result.retries} retries, ${result.back}/${size} back, ${result.givenUp} given up, ${result.limitCloses} 1008/1013, closes ${JSON.stringify(result.serverCloses)}, CPU ms: server ${Math.round(result.serverCpu)}, clients ${Math.round(result.clientCpu)}`,
        );
      }
    }
  }

  return { markdown: scaleMarkdown(data, { sizes, messages, cases, rateOf }), data, charts: stormCharts(data) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const i = args.indexOf('--rounds');
  const rounds = i >= 0 ? Number(args[i + 1]) : quick ? 1 : 3;
  const list = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1]!.split(',') : undefined);
  // --storm-only, --storm-sizes 1000,10000, --storm-contenders socketio,rxwire:equal:1000,...
  runAsScript(runScale({ quick, rounds, stormOnly: args.includes('--storm-only'), stormSizes: list('--storm-sizes')?.map(Number), stormContenders: list('--storm-contenders'), stormDowntime: list('--storm-downtime')?.map(Number)[0] }));
}
