/**
 * `npm run bench`: inbound throughput of rxwire's whole client (JSON parse, envelope,
 * route by one map lookup, io-ts validation, delivery to the channel's observer)
 * against raw `ws` + `JSON.parse`, with 1, 100 and 10,000 open channels, and heap per
 * open channel, plus 10,000 open channels with traffic on 100 of them, which separates the
 * cost of routing (flat) from the cost of touching 10,000 channels' memory in turn. Every
 * case receives the same payloads (device ids cycling over 10,000). The server runs in its own process; every run is a fresh client
 * process with a warm-up. Cases alternate round by round (the machine is noisy) and
 * the table reports medians of per-round ratios to raw, with their min–max.
 *
 * Options: --rounds N (default 5), --count N (default 300000), --quick (1 round of 20,000: a smoke run),
 * --scale-rounds N (default 3), --peer-rounds N (default 5).
 *
 * Then the peers (bench/peers: raw ws, reconnecting-websocket, RxJS multiplex, socket.io
 * against rxwire: throughput, heap per channel, request/reply) and the server at scale
 * (bench/scale: fan-out to 1,000 and 10,000 clients against socket.io and a plain ws
 * loop, and a reconnect storm of 1,000 clients). A full run writes docs/benchmarks.md.
 *
 * Then a second table: fan-out from one publisher to many clients, through Redis across two
 * server processes and, for comparison, on one process with the memory broker (bench/fanout.ts,
 * which describes its own --fanout-* options; --quick shrinks it too).
 */
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { fanoutOptions, runFanout } from './fanout';
import { barChart, capture, writeReport, type Bar } from './report';
import { runScale } from './scale/index';
import { runPeers } from './peers/index';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const rounds = quick ? 1 : flag('rounds', 5);
const count = quick ? 20_000 : flag('count', 300_000);
// Read now, so that a bad --fanout-* option fails before the first table's minutes of work.
const fanout = fanoutOptions(args);

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = ['--import', 'tsx'];

interface Case {
  name: string;
  mode: 'raw' | 'rxwire';
  channels: number;
  /** Traffic only on the first `hot` channels, all `channels` staying open. */
  hot?: number;
}
const cases: Case[] = [
  { name: 'raw ws + JSON.parse', mode: 'raw', channels: 1 },
  { name: 'rxwire client, 1 channel', mode: 'rxwire', channels: 1 },
  { name: 'rxwire client, 100 channels', mode: 'rxwire', channels: 100 },
  { name: 'rxwire client, 10,000 channels', mode: 'rxwire', channels: 10_000 },
  { name: 'rxwire client, 10,000 open, traffic on 100', mode: 'rxwire', channels: 10_000, hot: 100 },
];

interface Result {
  rate: number;
  heapPerChannel?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const server = spawn(process.execPath, [...tsx, here('./server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [portLine] = (await once(server.stdout, 'data')) as [Buffer];
  const port = Number(String(portLine).trim());

  const results = new Map<string, Result[]>(cases.map((c) => [c.name, []]));
  const ratios = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so that no case always runs first or last.
      const order = cases.map((_, i) => cases[(i + round) % cases.length]!);
      const roundRates = new Map<string, number>();
      for (const c of order) {
        const out = execFileSync(process.execPath, ['--expose-gc', ...tsx, here('./client.ts'), String(port), c.mode, String(c.channels), String(count), ...(c.hot ? [String(c.hot)] : [])], {
          encoding: 'utf8',
          timeout: 180_000,
        });
        const result = JSON.parse(out.trim().split('\n').pop()!) as Result;
        results.get(c.name)!.push(result);
        roundRates.set(c.name, result.rate);
      }
      const raw = roundRates.get(cases[0]!.name)!;
      for (const c of cases) ratios.get(c.name)!.push(roundRates.get(c.name)! / raw);
      process.stderr.write(`round ${round + 1}/${rounds} done\n`);
    }
  } finally {
    server.kill('SIGTERM');
  }

  const oneChannel = median(results.get(cases[1]!.name)!.map((r) => r.rate));
  const lines = [
    `## Inbound throughput through the whole client\n`,
    `${count.toLocaleString('en')} messages per run, ${rounds} round(s), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
    '| client | msgs/s (median) | vs raw (median of per-round ratios, min–max) | vs rxwire 1 channel | heap per channel |',
    '|---|---|---|---|---|',
  ];
  const bars: Bar[] = [];
  for (const c of cases) {
    const rate = median(results.get(c.name)!.map((r) => r.rate));
    const r = ratios.get(c.name)!;
    const heap = results.get(c.name)!.map((x) => x.heapPerChannel).filter((x): x is number => x !== undefined);
    bars.push({ label: c.name, value: median(r), ours: c.mode === 'rxwire' });
    lines.push(
      `| ${c.name} | ${Math.round(rate / 1000)}k | ${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}) | ${
        c.mode === 'rxwire' ? (rate / oneChannel).toFixed(2) : '—'
      } | ${heap.length && c.channels >= 10_000 ? `${Math.round(median(heap))} B` : '—'} |`,
    );
  }
  lines.push('\nTargets: 10,000 channels >= 0.90 of the 1-channel rate; whole pipeline >= 0.67 of raw; <= 1 KB heap per open channel.\n');
  console.log(`\n${lines.join('\n')}`);
  const sections = [lines.join('\n')];
  const charts = [{ name: 'inbound', caption: 'Inbound throughput relative to raw ws + JSON.parse', svg: barChart('Inbound throughput, relative to raw ws + JSON.parse (higher is better)', 'x', bars) }];

  sections.push(`## Fan-out through Redis\n\n${(await capture(() => runFanout(fanout))).text}`);

  const peers = await runPeers({ quick, rounds: quick ? 1 : flag('peer-rounds', 5), count });
  console.log(`\n${peers.markdown}`);
  sections.push(`## Against the libraries users would pick instead\n\n${peers.markdown}`);

  const scale = await runScale({ quick, rounds: quick ? 1 : flag('scale-rounds', 3) });
  console.log(`\n${scale.markdown}`);
  sections.push(`## The server at scale\n\n${scale.markdown}`);

  if (!quick) {
    const file = writeReport(
      'Measured by `npm run bench` on the project\'s 2-core machine, servers and clients in separate processes, contenders alternated round by round; figures are medians with their min–max. The machine is noisy (±40% run to run): compare rows within one run, not across runs.',
      sections,
      charts,
    );
    console.log(`\nwritten: ${file}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
