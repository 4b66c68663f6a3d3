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
 * 5. Reconnect storm: C clients (1,000; quick: 100) on a server publishing every 50 ms; the
 *    server process is SIGKILLed and a new one started on the same port; measured from the
 *    new one listening until every client received a message from it. rxwire: real clients
 *    from `createClient` (default heartbeat, reconnect with exponential backoff and full
 *    jitter, initialDelay 1,000 ms, maxDelay 30,000 ms: the defaults); socket.io: real
 *    socket.io-client sockets with the default reconnection (1,000 ms doubling to 5,000 ms,
 *    randomization 0.5).
 *
 * Set BENCH_CPU_PROF=<dir> to write a `--cpu-prof` profile of every fan-out server process there.
 *
 * Contenders alternate round by round; tables give medians with min–max. Every wait has a
 * timeout and every child is killed at the end, on failure as well.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Child, INITIAL_DELAY, MAX_DELAY, PER_PROCESS, SERVERS, STORM_INTERVAL, freePort, here, histogramQuantile, quantile, tsx } from './common';
import { warmUp } from '../child';
import { millis, perSecond, scaleMarkdown } from './markdown';

export interface ScaleOptions {
  quick: boolean;
  rounds: number;
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
  client: string;
  clients: number;
  round: number;
  /** ms from the kill to the new server listening. */
  downtime: number;
  /** ms from the new server listening until half / every client got a message from it. */
  p50: number;
  settled: number;
  /** Highest retry number any client made, and the delay bound of that retry (ms). */
  maxAttempt: number;
  window: number;
  back: number;
}

export interface ScaleData {
  date: string;
  node: string;
  quick: boolean;
  rounds: number;
  fanout: { messages: number; cases: Array<{ clients: number; rate: number }>; rounds: FanoutRound[] };
  storm: { initialDelay: number; maxDelay: number; interval: number; rounds: StormRound[] };
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

/** The delay bound of retry `attempt` (1-based). */
function windowOf(client: string, attempt: number): number {
  if (attempt < 1) return 0;
  // rxwire: full jitter in [0, min(maxDelay, initialDelay * 2^(attempt-1))].
  if (client === 'rxwire') return Math.min(MAX_DELAY, INITIAL_DELAY * 2 ** (attempt - 1));
  // socket.io-client: min(5000, 1000 * 2^(attempt-1) * (1 ± 0.5)).
  return Math.min(5000, 1000 * 2 ** (attempt - 1) * 1.5);
}

export async function stormRound(client: string, clients: number): Promise<Omit<StormRound, 'round'>> {
  const started: Child[] = [];
  const port = await freePort();
  const startServer = async (name: string) => {
    const srv = new Child(name, process.execPath, [...tsx, here('./stormServer.ts'), client, String(port), String(STORM_INTERVAL)]);
    started.push(srv);
    const { listening } = await srv.json<{ listening: number }>(30_000, 'its listening line');
    return { srv, listening };
  };
  try {
    const first = await startServer(`${client} storm server`);
    const processes = Math.max(1, Math.ceil(clients / 500));
    const procs: Child[] = [];
    for (let p = 0; p < processes; p++) {
      const size = Math.floor(clients / processes) + (p < clients % processes ? 1 : 0);
      const child = new Child(`storm client process ${p + 1}`, process.execPath, [...tsx, here('./stormClient.ts'), client, `ws://127.0.0.1:${port}`, String(size), String(INITIAL_DELAY), String(MAX_DELAY)]);
      procs.push(child);
      started.push(child);
    }
    await Promise.all(procs.map((c) => c.json(60_000, 'its ready line')));
    await sleep(1000);

    const killedAt = performance.timeOrigin + performance.now();
    await first.srv.stop(true);
    const second = await startServer(`${client} storm server (restarted)`);
    const limit = 60_000;
    const timer = setTimeout(() => procs.forEach((c) => c.send({ report: true })), limit);
    let outs: Array<{ result: { back: number; backAt: number[]; maxAttempt: number } }>;
    try {
      outs = await Promise.all(procs.map((c) => c.json<{ result: { back: number; backAt: number[]; maxAttempt: number } }>(limit + 10_000, 'its result')));
    } finally {
      clearTimeout(timer);
    }
    const backAt = outs.flatMap((o) => o.result.backAt).map((x) => x - second.listening).sort((a, b) => a - b);
    const back = outs.reduce((n, o) => n + o.result.back, 0);
    const maxAttempt = Math.max(...outs.map((o) => o.result.maxAttempt));
    return {
      client,
      clients,
      downtime: second.listening - killedAt,
      p50: back ? quantile(backAt, 0.5) : NaN,
      settled: back === clients ? backAt[backAt.length - 1]! : NaN,
      maxAttempt,
      window: windowOf(client, maxAttempt),
      back,
    };
  } finally {
    await Promise.allSettled(started.map((c) => c.stop(true)));
  }
}

// ---------------------------------------------------------------- the benchmark

export async function runScale(options: ScaleOptions): Promise<{ markdown: string; data: ScaleData }> {
  const { quick } = options;
  const rounds = Math.max(1, options.rounds);
  const sizes = quick ? [100, 500] : [1000, 10_000];
  const messages = quick ? 100 : 200;
  // A steady offered load: 100 messages/s, and 5/s at 10,000 clients (50k deliveries/s: at
  // 10/s this 2-core machine, which also runs the 10,000 client sockets, saturates, and every
  // server falls behind); and at the smaller size, the same messages back to back.
  const rateOf = (clients: number) => (clients >= 10_000 ? 5 : 100);
  const cases = [...sizes.map((clients) => ({ clients, rate: rateOf(clients) })), { clients: sizes[0]!, rate: 0 }];
  // The storm at two sizes, to show how settling grows with the crowd; the target is on the larger.
  const stormSizes = quick ? [50, 100] : [300, 1000];
  const stormClients = stormSizes[stormSizes.length - 1]!;
  const data: ScaleData = {
    date: new Date().toISOString(),
    node: process.version,
    quick,
    rounds,
    fanout: { messages, cases, rounds: [] },
    storm: { initialDelay: INITIAL_DELAY, maxDelay: MAX_DELAY, interval: STORM_INTERVAL, rounds: [] },
  };

  for (let r = 0; r < rounds; r++) {
    for (const { clients, rate } of cases) {
      for (let i = 0; i < SERVERS.length; i++) {
        const server = SERVERS[(i + r) % SERVERS.length]!;
        const result = await fanoutRound(server, clients, messages, rate);
        data.fanout.rounds.push({ ...result, round: r + 1 });
        log(`fan-out round ${r + 1}: ${server} ${clients} clients at ${rate || 'max'}/s: ${perSecond(result.deliveriesPerSecond)}/s p50 ${millis(result.p50)} ms p99 ${millis(result.p99)} ms`);
      }
    }
    for (const size of stormSizes) {
      for (const client of r % 2 ? ['socketio', 'rxwire'] : ['rxwire', 'socketio']) {
        const result = await stormRound(client, size);
        data.storm.rounds.push({ ...result, round: r + 1 });
        log(`storm round ${r + 1}: ${client}, ${size} clients: settled ${millis(result.settled)} ms (p50 ${millis(result.p50)}), retry ${result.maxAttempt}, window ${result.window} ms, ${result.back}/${size} back`);
      }
    }
  }

  return { markdown: scaleMarkdown(data, { sizes, messages, cases, stormSizes, rateOf }), data };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const i = args.indexOf('--rounds');
  const rounds = i >= 0 ? Number(args[i + 1]) : quick ? 1 : 3;
  const json = args.indexOf('--json');
  runScale({ quick, rounds })
    .then(async ({ markdown, data }) => {
      console.log(markdown);
      if (json >= 0 && args[json + 1]) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(args[json + 1]!, JSON.stringify(data, null, 2));
      }
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
