/**
 * The fan-out benchmark, run by `npm run bench` after the inbound table (or alone:
 * `node --import tsx bench/fanout.ts [--quick]`): one server publishes to a channel that
 * every client is subscribed to, and the clients measure what arrives.
 *
 * - "through Redis": a throwaway `redis-server` (no persistence, free loopback port) and two
 *   rxwire server processes, A and B, on `redisBroker`; the clients are split evenly
 *   between A and B; A publishes, so every delivery goes A -> Redis -> A or B -> client.
 * - "one process, memory broker": the same on one server process with the default broker.
 *
 * The clients run in their own processes (`--fanout-procs`, at least 2), fresh for every
 * round; redis-server and the servers stay up across rounds. A round: warm-up messages are
 * published until every client received `warm-ups` of them (so every subscription is live and
 * the code paths are warm), then the publisher publishes M messages stamped with their
 * publish time, on a fixed schedule of `--fanout-rate` per second (0: each as soon as the
 * previous publish resolved). Per round: deliveries/s = every client's measured deliveries /
 * (last delivery - first publish), and the p50 / p99 of every delivery's latency (publish
 * stamp to the client's observer; one host, one clock). Scenarios alternate round by round;
 * the table gives medians over rounds with their min–max. A round that loses a delivery fails
 * the benchmark.
 *
 * Options: --fanout-clients C (default 200), --fanout-messages M (default 2000),
 * --fanout-rounds N (default 3), --fanout-procs P (default 2), --fanout-rate R (default 500);
 * --quick: C = 20, M = 200, 1 round.
 *
 * Everything is bounded: every wait has a timeout, every loop a count, and every child
 * process (redis-server, servers, clients) is stopped at the end, on failure as well.
 */
import { spawnSync } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Child, warmUp } from './child';
import { median } from './stats';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = ['--import', 'tsx'];

export interface FanoutOptions {
  clients: number;
  messages: number;
  rounds: number;
  processes: number;
  /** Messages per second; 0 publishes each as soon as the previous one resolved. */
  rate: number;
  /** Warm-up messages every client must receive before a round starts. */
  warmups: number;
}

/** The options from the command line (see the top of this file). */
export function fanoutOptions(args: readonly string[]): FanoutOptions {
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    const value = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number >= 0`);
    return value;
  };
  const quick = args.includes('--quick');
  const options: FanoutOptions = {
    clients: quick ? 20 : flag('fanout-clients', 200),
    messages: quick ? 200 : flag('fanout-messages', 2000),
    rounds: quick ? 1 : flag('fanout-rounds', 3),
    processes: quick ? 2 : flag('fanout-procs', 2),
    rate: flag('fanout-rate', 500),
    warmups: quick ? 10 : 50,
  };
  if (options.processes < 2) throw new Error('--fanout-procs: at least 2 client processes');
  if (options.clients < options.processes * 2) throw new Error('--fanout-clients: at least 2 per client process, so that each one has clients on A and on B');
  if (options.messages < 1 || options.rounds < 1) throw new Error('--fanout-messages and --fanout-rounds: at least 1');
  return options;
}

// ---------------------------------------------------------------- child processes


async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** A throwaway redis-server on a free loopback port, without persistence. */
async function startRedis(started: Child[]): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = new Child('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  started.push(child);
  const deadline = performance.now() + 10_000;
  for (let i = 0; i < 1000; i++) {
    const line = await child.line(Math.max(1, deadline - performance.now()), 'a "Ready to accept connections" line');
    if (line.includes('Ready to accept connections')) return { child, url: `redis://127.0.0.1:${port}` };
  }
  throw new Error('redis-server: no "Ready to accept connections" line within 1000 lines');
}

async function startServer(started: Child[], name: string, args: string[]): Promise<{ child: Child; port: number }> {
  const child = new Child(name, process.execPath, [...tsx, here('./fanoutServer.ts'), ...args]);
  started.push(child);
  const { port } = await child.json<{ port: number }>(30_000, 'its port');
  return { child, port };
}

// ---------------------------------------------------------------- one round

interface Scenario {
  name: string;
  servers: Array<{ child: Child; port: number }>;
  /** The server that publishes. */
  publisher: Child;
}

interface ClientResult {
  reason: string;
  clients: number;
  deliveries: number;
  expected: number;
  short: number;
  unexpected: number;
  gaps: number;
  errors: number;
  last: number;
  lat: number[];
}

interface RoundResult {
  rate: number;
  p50: number;
  p99: number;
}

/** The value at quantile `q` of sorted values (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function round(scenario: Scenario, options: FanoutOptions): Promise<RoundResult> {
  const { clients, messages, processes, rate, warmups } = options;
  const urls = scenario.servers.map((s) => `ws://127.0.0.1:${s.port}`).join(',');
  const procs: Child[] = [];
  try {
    let first = 0;
    for (let p = 0; p < processes; p++) {
      const size = Math.floor(clients / processes) + (p < clients % processes ? 1 : 0);
      // An idle limit of 5 s: a client process that stops receiving reports what it got.
      const args = [urls, String(first), String(size), String(messages), String(warmups), '5000'];
      procs.push(new Child(`client process ${p + 1}`, process.execPath, [...tsx, here('./fanoutClient.ts'), ...args]));
      first += size;
    }

    // Warm up: publish until every client process says all its clients got their warm-ups.
    await warmUp(procs, () => scenario.publisher.command({ warm: 10 }, 10_000, 'a warm-up batch'), { what: scenario.name, maxBatches: 5000, pause: 10 });
    await sleep(200); // let the last warm-ups land

    // The measured run: M messages from the publisher, every delivery timed by the clients.
    const limit = 60_000 + (rate > 0 ? (messages / rate) * 1000 : 0);
    const [run, ...outs] = await Promise.all([
      scenario.publisher.command<{ first: number; ms: number }>({ run: { count: messages, rate } }, limit, 'the end of the publishing'),
      ...procs.map((c) => c.json<{ result: ClientResult }>(limit, 'its result')),
    ]);
    const results = outs.map((o) => o.result);
    const deliveries = results.reduce((n, r) => n + r.deliveries, 0);
    const expected = clients * messages;
    const odd = results.reduce((n, r) => n + r.unexpected + r.gaps, 0);
    if (deliveries !== expected || odd > 0) {
      throw new Error(
        `${scenario.name}: ${deliveries} of ${expected} deliveries, ${results.reduce((n, r) => n + r.short, 0)} clients short, ${odd} unexpected messages or gaps`,
      );
    }
    const errors = results.reduce((n, r) => n + r.errors, 0);
    if (errors > 0) process.stderr.write(`${scenario.name}: ${errors} client errors (errors$) during the round\n`);

    const latencies = new Float64Array(deliveries);
    let at = 0;
    for (const r of results) for (const x of r.lat) latencies[at++] = x;
    latencies.sort();
    const last = Math.max(...results.map((r) => r.last));
    return { rate: (deliveries / (last - run.first)) * 1000, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
  } finally {
    await Promise.allSettled(procs.map((c) => c.stop()));
  }
}

// ---------------------------------------------------------------- the benchmark

const perSecond = (x: number) => (x >= 100_000 ? `${Math.round(x / 1000)}k` : `${(x / 1000).toFixed(1)}k`);
const millis = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
const spread = (values: number[], format: (x: number) => string) =>
  `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;

/** Runs the fan-out scenarios and prints their table. */
export async function runFanout(options: FanoutOptions): Promise<void> {
  const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
  if (!hasRedis && process.env.CI === 'true') throw new Error('redis-server is not installed, and CI needs it for the fan-out benchmark');
  if (!hasRedis) process.stderr.write('\n*** redis-server is not installed: the fan-out through Redis is SKIPPED (apt-get install -y redis-server) ***\n');

  const servers: Child[] = [];
  const redis: Child[] = [];
  const scenarios: Scenario[] = [];
  const results = new Map<string, RoundResult[]>();
  try {
    if (hasRedis) {
      const { url } = await startRedis(redis);
      const pair = await Promise.all([startServer(servers, 'server A (redis)', ['redis', url]), startServer(servers, 'server B (redis)', ['redis', url])]);
      scenarios.push({ name: 'fan-out through Redis: 2 server processes, clients split over A and B, A publishes', servers: pair, publisher: pair[0]!.child });
    }
    const memory = await startServer(servers, 'server (memory broker)', ['memory']);
    scenarios.push({ name: 'fan-out on 1 server process, memory broker', servers: [memory], publisher: memory.child });
    for (const s of scenarios) results.set(s.name, []);

    for (let r = 0; r < options.rounds; r++) {
      // Alternate the order so that no scenario always runs first.
      for (let i = 0; i < scenarios.length; i++) {
        const scenario = scenarios[(i + r) % scenarios.length]!;
        results.get(scenario.name)!.push(await round(scenario, options));
      }
      process.stderr.write(`fan-out round ${r + 1}/${options.rounds} done\n`);
    }
  } finally {
    // Servers first (their stdin closes), redis-server last (killed).
    await Promise.allSettled(servers.map((c) => c.stop()));
    await Promise.allSettled(redis.map((c) => c.stop(true)));
  }

  const { clients, messages, rounds, processes, rate } = options;
  console.log(
    `\nFan-out to ${clients} clients on one channel (${processes} client processes), ${messages.toLocaleString('en')} messages per round published ${
      rate > 0 ? `at ${rate.toLocaleString('en')}/s` : 'back to back'
    }, ${rounds} round(s), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
  );
  console.log('| scenario | clients | deliveries/s (median, min–max) | p50 ms (median, min–max) | p99 ms (median, min–max) |');
  console.log('|---|---|---|---|---|');
  for (const s of scenarios) {
    const r = results.get(s.name)!;
    const columns = [spread(r.map((x) => x.rate), perSecond), spread(r.map((x) => x.p50), millis), spread(r.map((x) => x.p99), millis)];
    console.log(`| ${s.name} | ${clients} | ${columns.join(' | ')} |`);
  }
  if (!hasRedis) console.log(`| fan-out through Redis: SKIPPED, redis-server is not installed | ${clients} | — | — | — |`);
  console.log(
    `\nDeliveries/s: every client's deliveries summed (${(clients * messages).toLocaleString('en')} per round), over the time from the first publish to the last delivery; latency: from the publish stamp taken just before \`server.publish\` to the client's observer, over every delivery of the round (one host, one clock).${
      rate > 0 ? ` The offered load is ${(clients * rate).toLocaleString('en')} deliveries/s: a scenario that keeps up delivers about that.` : ''
    }`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runFanout(fanoutOptions(process.argv.slice(2))).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
