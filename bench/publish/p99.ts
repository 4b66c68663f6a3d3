/**
 * The scale benchmark's fan-out at 10,000 clients and 5 messages/s (bench/scale's
 * `fanoutRound`, unchanged), rxwire against the plain `ws` loop only, alternated round by
 * round: `node --import tsx bench/publish/p99.ts [--rounds N] [--clients N] [--rate N] [--messages N]`.
 * Prints one line per run and, at the end, the medians and the per-round ratio of p99s.
 * BENCH_CPU_PROF=<dir> profiles the server processes (see bench/scale/index.ts).
 */
import { fanoutRound } from '../scale/index';
import { median } from '../stats';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const rounds = flag('rounds', 3);
const clients = flag('clients', 10_000);
const rate = flag('rate', 5);
const messages = flag('messages', 200);

const runs: Array<{ server: string; round: number; p50: number; p99: number; cpu: number; rate: number }> = [];
for (let r = 0; r < rounds; r++) {
  for (const server of r % 2 ? ['ws', 'rxwire'] : ['rxwire', 'ws']) {
    const x = await fanoutRound(server, clients, messages, rate);
    runs.push({ server, round: r + 1, p50: x.p50, p99: x.p99, cpu: x.cpuPerDelivery, rate: x.deliveriesPerSecond });
    console.log(JSON.stringify(runs[runs.length - 1]));
  }
}
const of = (server: string) => runs.filter((x) => x.server === server);
const ratios = of('rxwire').map((x) => x.p99 / of('ws').find((w) => w.round === x.round)!.p99);
for (const server of ['rxwire', 'ws']) {
  const rs = of(server);
  console.log(`${server}: p50 ${median(rs.map((x) => x.p50))} ms, p99 ${median(rs.map((x) => x.p99))} ms (${rs.map((x) => x.p99).join(', ')}), CPU ${median(rs.map((x) => x.cpu)).toFixed(2)} µs/delivery`);
}
console.log(`rxwire p99 / ws p99 per round: ${ratios.map((x) => x.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`);
process.exit(0);
