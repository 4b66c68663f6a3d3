/**
 * The publish path of rxwire's SERVER: `node --import tsx bench/publish/index.ts [--quick] [--rounds N] [--count N] [--json file]`,
 * or `runPublish({ quick, rounds, count })` from another script (it returns the markdown and the figures).
 *
 * A server process publishes `count` messages of about 100 bytes as fast as it can to one
 * client process that counts them; against it, a plain `ws` server sending the same JSON
 * (`JSON.stringify` + `ws.send`) to the same client, and at 1,000 streams a plain `ws`
 * server sending rxwire's own `msg` frames (what the protocol costs without rxwire's work). With 1 stream (one socket holding one
 * subscription) and with 1,000 streams of one subscriber each (1,000 sockets in the client
 * process; message n goes to stream n % 1,000, so the total rate is the same). rxwire
 * awaits each `server.publish` (a backend handling one event at a time), and at 1 stream
 * also pipelines them (batches of 100 awaited together). Every loop yields to I/O after
 * each 100 messages. See server.ts and client.ts.
 *
 * Msgs/s: measured messages / (the last delivery - the first publish), one host, one clock.
 * Server CPU: user + system time of the server process over the run, per message. Each
 * run is a fresh server and client process after a warm-up of `count / 10` messages;
 * cases rotate round by round; the ratio to the plain `ws` pair is taken per round.
 * A run that loses, duplicates or reorders a message fails.
 *
 * Set PUBLISH_CPU_PROF=<dir> to write a `--cpu-prof` profile of every server process there,
 * and PUBLISH_FLAGS to give the server processes more Node flags (`--perf-basic-prof`, for `perf`).
 *
 * The client process reports its own CPU time from its first measured message to its
 * last (printed with each run): it tells which process limits the rate. (Here the
 * server does: its CPU per message times the rate is one core.)
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from '../child';
import { median } from '../stats';
import { barChart, runAsScript, type Bar } from '../report';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = ['--import', 'tsx'];
const log = (text: string) => process.stderr.write(`${text}\n`);

export interface PublishOptions {
  quick: boolean;
  rounds: number;
  /** Messages per run (a multiple of 1,000). */
  count: number;
}

interface Case {
  name: string;
  server: 'rxwire' | 'rxwire-pipelined' | 'ws' | 'ws-envelope';
  streams: number;
}

export const PUBLISH_CASES: Case[] = [
  { name: 'rxwire, `await server.publish` each', server: 'rxwire', streams: 1 },
  { name: 'rxwire, `server.publish` pipelined (100 at a time)', server: 'rxwire-pipelined', streams: 1 },
  { name: 'plain `ws`: `JSON.stringify` + `ws.send`', server: 'ws', streams: 1 },
  { name: 'rxwire, `await server.publish` each', server: 'rxwire', streams: 1000 },
  { name: 'plain `ws`: `JSON.stringify` + `ws.send`', server: 'ws', streams: 1000 },
  { name: 'plain `ws` sending rxwire\'s `msg` frames (no validation, broker, history or slow-reader bound)', server: 'ws-envelope', streams: 1000 },
];

export interface PublishRun {
  server: Case['server'];
  streams: number;
  round: number;
  rate: number;
  cpuPerMessage: number;
}

export interface PublishData {
  date: string;
  node: string;
  count: number;
  rounds: number;
  runs: PublishRun[];
}

/** One run: a fresh server and client process, a warm-up, then `count` measured messages; CPU times in µs per message. */
export async function publishRun(c: Case, count: number): Promise<{ rate: number; cpuPerMessage: number; systemPerMessage: number; clientCpuPerMessage: number }> {
  const started: Child[] = [];
  try {
    const prof = process.env.PUBLISH_CPU_PROF;
    const srv = new Child(`${c.server} publish server`, process.execPath, [...(process.env.PUBLISH_FLAGS ? process.env.PUBLISH_FLAGS.split(/\s+/).filter(Boolean) : []), ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...tsx, here('./server.ts'), c.server, String(c.streams)]);
    started.push(srv);
    const { port } = await srv.json<{ port: number }>(30_000, 'its port');
    const kind = c.server === 'ws' ? 'ws' : 'rxwire';
    const warm = Math.max(c.streams, Math.round(count / 10 / c.streams) * c.streams);
    const client = new Child(`${c.server} publish client`, process.execPath, [...tsx, here('./client.ts'), kind, `ws://127.0.0.1:${port}`, String(c.streams), String(warm), String(count)]);
    started.push(client);
    await client.json(60_000, 'its connected line');
    await srv.command({ run: { count: warm, warm: true } }, 60_000, 'the end of the warm-up');
    await client.json(60_000, 'its ready line');
    const { cpu: before, system: systemBefore } = await srv.command<{ cpu: number; system: number }>({ cpu: true }, 10_000, 'its CPU time');
    const { first } = await srv.command<{ first: number }>({ run: { count, warm: false } }, 180_000, 'the end of the run');
    const { result } = await client.json<{ result: { deliveries: number; disorder: number; unexpected: number; last: number; reason: string; clientCpu?: number } }>(180_000, 'its result');
    const { cpu: after, system: systemAfter } = await srv.command<{ cpu: number; system: number }>({ cpu: true }, 10_000, 'its CPU time');
    if (result.deliveries !== count || result.disorder !== 0 || result.unexpected !== 0) {
      throw new Error(`${c.server}, ${c.streams} streams: ${result.deliveries} of ${count} delivered, ${result.disorder} out of order, ${result.unexpected} unexpected (${result.reason})`);
    }
    return { rate: (count / (result.last - first)) * 1000, cpuPerMessage: (after - before) / count, systemPerMessage: (systemAfter - systemBefore) / count, clientCpuPerMessage: (result.clientCpu ?? 0) / count };
  } finally {
    await Promise.allSettled(started.map((c) => c.stop()));
  }
}

export async function runPublish(options: PublishOptions): Promise<{ markdown: string; data: PublishData }> {
  const rounds = Math.max(1, options.rounds);
  const count = options.quick ? 20_000 : options.count;
  const data: PublishData = { date: new Date().toISOString(), node: process.version, count, rounds, runs: [] };
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < PUBLISH_CASES.length; i++) {
      const c = PUBLISH_CASES[(i + r) % PUBLISH_CASES.length]!;
      const { rate, cpuPerMessage, clientCpuPerMessage } = await publishRun(c, count);
      data.runs.push({ server: c.server, streams: c.streams, round: r + 1, rate, cpuPerMessage });
      log(`publish round ${r + 1}: ${c.server}, ${c.streams} stream(s): ${Math.round(rate / 100) / 10}k msgs/s, ${cpuPerMessage.toFixed(2)} µs server CPU per message, ${clientCpuPerMessage.toFixed(2)} µs client CPU`);
    }
  }
  return { markdown: publishMarkdown(data), data };
}

const k = (x: number) => (x >= 100_000 ? `${Math.round(x / 1000)}k` : `${(x / 1000).toFixed(1)}k`);
const spread = (values: number[], format: (x: number) => string) => `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;

/** The runs of one case, by round. */
export const runsOf = (data: PublishData, server: string, streams: number) => data.runs.filter((x) => x.server === server && x.streams === streams);

/** Per round: the case's rate over the plain `ws` pair's at the same streams. */
export function ratios(data: PublishData, server: string, streams: number): number[] {
  const raw = runsOf(data, 'ws', streams);
  return runsOf(data, server, streams).map((x) => x.rate / raw.find((w) => w.round === x.round)!.rate);
}

/** The "Publish path" section of docs/benchmarks.md (the table and the target line). */
export function publishMarkdown(data: PublishData): string {
  const lines = [
    '## Publish path',
    '',
    `${data.rounds} round(s), ${data.count.toLocaleString('en')} messages per run, Node ${data.node}, ${data.date.slice(0, 10)}. \`npm run bench\` (or alone: \`npx tsx bench/publish/index.ts --rounds N --count N\`). A server process publishes messages of about 100 bytes as fast as it can to a client process of raw \`ws\` sockets that \`JSON.parse\` every frame and check every message arrived once and in order; against it a plain \`ws\` server sending the same JSON (\`JSON.stringify\` + \`ws.send\`) to the same client. rxwire runs with validation on (params and message checked by their \`t.type\` codecs on every publish; by \`is\`, which gives \`decode\`'s verdict for plain codecs without arrays), the memory broker (history of 100 per stream), and awaits each \`server.publish\`, as a backend handling one event at a time would; the pipelined row calls it 100 times and awaits the batch. Every loop yields to I/O after each 100 messages. 1,000 streams: 1,000 sockets of one subscription each, message n to stream n mod 1,000 (the same total rate). Msgs/s: measured messages over the time from the first publish to the last delivery; each run a fresh server and client process after a warm-up of a tenth as many; cases rotate round by round; the ratio is rxwire's rate over the plain \`ws\` pair's in the same round. Medians (min–max).`,
    '',
    '| server | streams | msgs/s | vs plain `ws` pair, per round | server CPU µs per message (user + system) |',
    '|---|---|---|---|---|',
  ];
  for (const c of PUBLISH_CASES) {
    const rs = runsOf(data, c.server, c.streams);
    const vs = c.server === 'ws' ? '1.00' : spread(ratios(data, c.server, c.streams), (x) => x.toFixed(2));
    lines.push(`| ${c.name} | ${c.streams.toLocaleString('en')} | ${spread(rs.map((x) => x.rate), k)} | ${vs} | ${spread(rs.map((x) => x.cpuPerMessage), (x) => x.toFixed(2))} |`);
  }
  const verdict = (x: number) => `**${x >= 0.8 ? 'met' : 'not met'}** (${x.toFixed(2)})`;
  const cpu = (streams: number) => (median(runsOf(data, 'ws', streams).map((x) => x.cpuPerMessage)) / median(runsOf(data, 'rxwire', streams).map((x) => x.cpuPerMessage))).toFixed(2);
  lines.push(
    '',
    `Target: rxwire (validation on) at least 0.8 of the plain \`ws\` pair: 1 stream, awaiting each publish ${verdict(median(ratios(data, 'rxwire', 1)))}; 1 stream, pipelined (as fast as \`publish\` goes) ${verdict(median(ratios(data, 'rxwire-pipelined', 1)))}; 1,000 streams of one subscriber each ${verdict(median(ratios(data, 'rxwire', 1000)))}. Server CPU per message, plain \`ws\` ÷ rxwire (what the rate would be if the server alone limited it): ${cpu(1)} at 1 stream, ${cpu(1000)} at 1,000. What the protocol itself costs at 1,000 streams: a plain \`ws\` server sending rxwire's \`msg\` frames, the same bytes, to the same client keeps ${median(ratios(data, 'ws-envelope', 1000)).toFixed(2)} of the plain pair; the rest of rxwire's gap is its own work per message (validation, the broker and the history that recovery replays, the slow-reader bound).`,
    '',
  );
  return lines.join('\n');
}

/** The publish path's chart: each rxwire case's rate over the plain `ws` pair's (median of per-round ratios). */
export function publishChart(data: PublishData): { name: string; caption: string; svg: string } {
  const label = (server: Case['server']) => (server === 'rxwire' ? 'await publish' : server === 'rxwire-pipelined' ? 'publish pipelined' : "plain ws sending rxwire's frames");
  const bars: Bar[] = PUBLISH_CASES.filter((c) => c.server !== 'ws').map((c) => ({
    label: `${label(c.server)}, ${c.streams.toLocaleString('en')} stream${c.streams > 1 ? 's' : ''}`,
    value: median(ratios(data, c.server, c.streams)),
    ours: c.server !== 'ws-envelope',
  }));
  bars.push({ label: 'plain ws: JSON.stringify + ws.send', value: 1 });
  return {
    name: 'publish',
    caption: 'Publish path: server.publish to one subscriber, relative to a plain ws server',
    svg: barChart('Publish path, msgs/s relative to plain ws (higher is better; target 0.8)', 'x', bars),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
  const quick = args.includes('--quick');
  runAsScript(runPublish({ quick, rounds: flag('rounds', quick ? 1 : 5), count: flag('count', 300_000) }));
}
