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
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { median } from '../stats';

export interface Stat {
  median: number;
  min: number;
  max: number;
  /** One value per round that produced one, in round order. */
  perRound: number[];
}

export interface ThroughputRow {
  library: 'raw' | 'reconnecting-websocket' | 'rxjs-multiplex' | 'socket.io-client' | 'rxwire';
  name: string;
  channels: number;
  /** Messages timed per run (after the warm-up). */
  count: number;
  warmup: number;
  /** Messages per second. */
  rate: Stat | null;
  /** Per-round rate divided by raw's rate in the same round. */
  vsRaw: Stat | null;
  /** Per-round rxwire rate (same channel count) divided by this row's rate; absent for rxwire and raw. */
  rxwireVsThis?: Stat | null;
  failures: number;
}

export interface HeapRow {
  library: ThroughputRow['library'];
  channels: number;
  /** Bytes of heap per open channel. */
  bytesPerChannel: Stat | null;
}

export interface RoundTripRow {
  library: 'raw' | 'socket.io-client' | 'rxwire';
  name: string;
  /** The request payload's JSON size in bytes (each reply echoes it). */
  bytes: number;
  /** Microseconds. */
  p50: Stat | null;
  p99: Stat | null;
  /** Per-round p50 minus raw's p50 in the same round, in microseconds. */
  p50MinusRaw: Stat | null;
  failures: number;
}

export interface Target {
  description: string;
  value: number | null;
  threshold: number;
  met: boolean;
}

export interface PeerData {
  meta: {
    date: string;
    node: string;
    quick: boolean;
    rounds: number;
    count: number;
    requests: number;
    cpus: number;
    /** 1-minute load average before the run and after it (other work on the machine skews every figure). */
    loadBefore: number;
    loadAfter: number;
  };
  throughput: ThroughputRow[];
  heap: HeapRow[];
  roundTrip: RoundTripRow[];
  targets: Target[];
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = ['--import', 'tsx'];

function stat(values: (number | undefined)[]): Stat | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v), perRound: v } : null;
}

/** Child processes still alive, so that every exit path can kill them. */
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts a server process and resolves with its first stdout line. */
function startServer(file: string, timeoutMs = 30_000): Promise<{ child: ChildProcess; line: string }> {
  const child = track(spawn(process.execPath, [...tsx, here(file)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve({ child, line: out.slice(0, newline).trim() });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before it started`));
    });
  });
}

/** Runs one client process and resolves with its last stdout line, parsed. */
function runClient(args: string[], timeoutMs: number): Promise<Record<string, number>> {
  const child = track(spawn(process.execPath, ['--expose-gc', ...tsx, here('./client.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += String(chunk)));
    child.stderr!.on('data', (chunk: Buffer) => (err += String(chunk)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`client ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop();
      if (code === 0 && last) {
        try {
          resolve(JSON.parse(last) as Record<string, number>);
          return;
        } catch {
          // fall through
        }
      }
      reject(new Error(`client ${args.join(' ')} exited with ${code}: ${err.trim().slice(-500)}`));
    });
  });
}

interface ThroughputCase {
  library: ThroughputRow['library'];
  name: string;
  mode: string;
  server: 'bench' | 'socketio';
  channels: number;
  count: number;
  warmup: number;
}

interface RoundTripCase {
  library: RoundTripRow['library'];
  name: string;
  mode: string;
  server: 'raw' | 'rxwire' | 'socketio';
  /** Numbers in the payload's `readings` (0: `{ n }` alone). */
  readings: number;
}

/** Numbers in the large request/reply payload: about 8 KB of JSON. */
const LARGE_READINGS = 1600;

const fmtRate = (r: number) => (r >= 10_000 ? `${Math.round(r / 1000)}k` : `${(r / 1000).toFixed(1)}k`);
const fmtRatio = (s: Stat | null | undefined, digits = 2) =>
  s ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})` : '—';
const fmtUs = (s: Stat | null) => (s ? `${Math.round(s.median)} (${Math.round(s.min)}–${Math.round(s.max)})` : '—');
const fmtBytes = (s: Stat | null) => (s ? `${Math.round(s.median)} B (${Math.round(s.min)}–${Math.round(s.max)})` : '—');
const yes = (met: boolean) => (met ? '**met**' : '**not met**');

export async function runPeers(options: { quick: boolean; rounds: number; count: number }): Promise<{ markdown: string; data: PeerData }> {
  const { quick } = options;
  const rounds = Math.max(1, Math.floor(options.rounds));
  const count = Math.max(1, Math.floor(options.count));
  const warmup = Math.min(50_000, count);
  // multiplex runs every message through every channel's filter: at 10,000 channels it
  // manages about a thousand messages a second, so its message count is capped.
  const multiplexCap = Math.min(count, quick ? 2_000 : 20_000);
  const multiplexWarmup = quick ? 500 : 2_000;
  const requests = quick ? 1_000 : 10_000;
  const requestWarmup = quick ? 200 : 1_000;
  const clientTimeout = 170_000;
  const loadBefore = loadavg()[0]!;

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

  const key = (c: { mode: string; channels?: number; readings?: number }) => `${c.mode}:${c.channels ?? ''}:${c.readings ?? ''}`;
  const tpResults = new Map<string, (Record<string, number> | undefined)[]>(throughputCases.map((c) => [key(c), []]));
  const rtResults = new Map<string, (Record<string, number> | undefined)[]>(roundTripCases.map((c) => [key(c), []]));
  const failures = new Map<string, number>();
  const fail = (k: string, error: unknown) => {
    failures.set(k, (failures.get(k) ?? 0) + 1);
    process.stderr.write(`peers: ${k} failed: ${error instanceof Error ? error.message : String(error)}\n`);
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
        let result: Record<string, number> | undefined;
        try {
          result = await runClient([c.mode, String(ports[c.server]), String(c.channels), String(c.count), String(c.warmup)], clientTimeout);
        } catch (error) {
          fail(key(c), error);
        }
        tpResults.get(key(c))!.push(result);
      }
      const rtOrder = roundTripCases.map((_, i) => roundTripCases[(i + round) % roundTripCases.length]!);
      for (const c of rtOrder) {
        let result: Record<string, number> | undefined;
        try {
          result = await runClient([c.mode, String(ports[c.server]), String(requestsOf(c)), String(warmupOf(c)), String(c.readings)], clientTimeout);
        } catch (error) {
          fail(key(c), error);
        }
        rtResults.get(key(c))!.push(result);
      }
      process.stderr.write(`peers: round ${round + 1}/${rounds} done\n`);
    }
  } finally {
    killAll();
  }

  // --- figures ---
  const rates = (c: ThroughputCase) => tpResults.get(key(c))!.map((r) => r?.rate);
  const rawRates = rates(throughputCases[0]!);
  const perRoundRatio = (a: (number | undefined)[], b: (number | undefined)[]) =>
    a.map((x, i) => (x !== undefined && b[i] !== undefined ? x / b[i]! : undefined));
  const rxwireAt = (channels: number) => throughputCases.find((c) => c.library === 'rxwire' && c.channels === channels)!;

  const throughput: ThroughputRow[] = throughputCases.map((c) => {
    const r = rates(c);
    const row: ThroughputRow = {
      library: c.library,
      name: c.name,
      channels: c.channels,
      count: c.count,
      warmup: c.warmup,
      rate: stat(r),
      vsRaw: stat(perRoundRatio(r, rawRates)),
      failures: failures.get(key(c)) ?? 0,
    };
    if (c.library !== 'rxwire' && c.library !== 'raw') row.rxwireVsThis = stat(perRoundRatio(rates(rxwireAt(c.channels)), r));
    return row;
  });

  const heap: HeapRow[] = throughputCases
    .filter((c) => c.channels >= 10_000)
    .map((c) => ({ library: c.library, channels: c.channels, bytesPerChannel: stat(tpResults.get(key(c))!.map((r) => r?.heapPerChannel)) }));

  const rtt = (c: RoundTripCase, field: 'p50' | 'p99') => rtResults.get(key(c))!.map((r) => r?.[field]);
  const roundTrip: RoundTripRow[] = roundTripCases.map((c) => {
    // Compared with raw at the same payload size, round by round.
    const rawP50 = rtt(roundTripCases.find((x) => x.library === 'raw' && x.readings === c.readings)!, 'p50');
    const bytes = rtResults.get(key(c))!.find((r) => r?.bytes !== undefined)?.bytes ?? 0;
    return {
      library: c.library,
      name: c.name,
      bytes,
      p50: stat(rtt(c, 'p50')),
      p99: stat(rtt(c, 'p99')),
      p50MinusRaw: stat(rtt(c, 'p50').map((x, i) => (x !== undefined && rawP50[i] !== undefined ? x - rawP50[i]! : undefined))),
      failures: failures.get(key(c)) ?? 0,
    };
  });

  // --- targets ---
  const targets: Target[] = [];
  for (const channels of [1, 100, 10_000]) {
    const row = throughput.find((r) => r.library === 'rxwire' && r.channels === channels)!;
    const value = row.vsRaw?.median ?? null;
    targets.push({ description: `rxwire, ${channels.toLocaleString('en')} channel(s): rate vs raw ws + JSON.parse >= 0.67`, value, threshold: 0.67, met: value !== null && value >= 0.67 });
  }
  for (const row of throughput.filter((r) => r.rxwireVsThis !== undefined)) {
    const value = row.rxwireVsThis?.median ?? null;
    targets.push({
      description: `rxwire ahead of ${row.library} at ${row.channels.toLocaleString('en')} channel(s) (median of per-round rxwire/peer > 1)`,
      value,
      threshold: 1,
      met: value !== null && value > 1,
    });
  }
  const rxHeap = heap.find((h) => h.library === 'rxwire')!.bytesPerChannel?.median ?? null;
  targets.push({ description: 'rxwire heap per open channel at 10,000 channels <= 1 KB', value: rxHeap, threshold: 1024, met: rxHeap !== null && rxHeap <= 1024 });
  const rxP50 = roundTrip.find((r) => r.library === 'rxwire')!.p50MinusRaw?.median ?? null; // the small payload
  targets.push({ description: 'rxwire request/reply p50 within 50 µs of raw ws (median of per-round differences)', value: rxP50, threshold: 50, met: rxP50 !== null && rxP50 <= 50 });

  const data: PeerData = {
    meta: { date: new Date().toISOString(), node: process.version, quick, rounds, count, requests, cpus: cpus().length, loadBefore, loadAfter: loadavg()[0]! },
    throughput,
    heap,
    roundTrip,
    targets,
  };

  // --- markdown ---
  const md: string[] = [];
  const date = data.meta.date.slice(0, 10);
  md.push(`### Inbound throughput against peer libraries`);
  md.push('');
  md.push(
    `${count.toLocaleString('en')} messages of about 107 bytes per run after a ${warmup.toLocaleString('en')}-message warm-up, ${rounds} round(s), Node ${process.version}, ${data.meta.cpus} CPUs, ${date}. Fresh client process per run; contenders rotated round by round; medians of per-round figures (min–max). Raw \`ws\` and \`reconnecting-websocket\` have no channels and run with one stream.`,
  );
  md.push('');
  if (loadBefore > 0.5) {
    md.push(`Warning: the 1-minute load average was ${loadBefore.toFixed(2)} before the run (${data.meta.loadAfter.toFixed(2)} after) on ${data.meta.cpus} CPUs: other work was running, so the figures are noisier than usual.`);
    md.push('');
  }
  md.push('| client | channels | messages timed | msgs/s (median) | vs raw (median, min–max) | rxwire ÷ this, same channels (median, min–max) | failed runs |');
  md.push('|---|---|---|---|---|---|---|');
  for (const row of throughput) {
    const capped = row.library === 'rxjs-multiplex' && row.count !== count ? ' (capped: multiplex is too slow here)' : '';
    md.push(
      `| ${row.name} | ${row.channels.toLocaleString('en')} | ${row.count.toLocaleString('en')}${capped} | ${row.rate ? fmtRate(row.rate.median) : '—'} | ${fmtRatio(row.vsRaw)} | ${
        row.rxwireVsThis !== undefined ? fmtRatio(row.rxwireVsThis) : '—'
      } | ${row.failures} |`,
    );
  }
  md.push('');
  md.push(
    'socket.io server: channels are events (`c:<id>`), joined with an acknowledged `join`. So that the stock encoder (about 74k msgs/s of server CPU) is not the bottleneck, the server writes pre-built frames — exactly what socket.io sends, `42["c:<id>",{...}]` in an unmasked WebSocket text frame — in batches onto the TCP socket under engine.io\'s `ws` socket; the client decodes them with its own unmodified parser.',
  );
  md.push('');
  md.push('Targets:');
  md.push('');
  md.push('| target | value | met |');
  md.push('|---|---|---|');
  for (const t of targets.filter((x) => x.threshold === 0.67 || x.threshold === 1)) {
    md.push(`| ${t.description} | ${t.value === null ? '—' : t.value.toFixed(2)} | ${yes(t.met)} |`);
  }
  md.push('');
  md.push(`### Heap per open channel, 10,000 channels`);
  md.push('');
  md.push('Growth of the heap from 1 to 10,000 confirmed channels, after two forced GCs (`--expose-gc`), divided by 9,999; one figure per run.');
  md.push('');
  md.push('| client | bytes per open channel (median, min–max) | ≤ 1 KB |');
  md.push('|---|---|---|');
  for (const h of heap) {
    const name = throughput.find((r) => r.library === h.library)!.name;
    const v = h.bytesPerChannel?.median;
    md.push(`| ${name} | ${fmtBytes(h.bytesPerChannel)} | ${v === undefined ? '—' : v <= 1024 ? 'yes' : 'no'} |`);
  }
  md.push('');
  md.push(`Target: rxwire at most 1 KB per open channel — ${yes(targets.at(-2)!.met)}.`);
  md.push('');
  md.push(`### Request/reply round trip`);
  md.push('');
  md.push(
    `${requests.toLocaleString('en')} sequential requests per run after ${requestWarmup.toLocaleString('en')} warm-up ones, echo of \`{ n }\`; and a fifth as many with a larger payload, \`{ n, readings }\` with ${LARGE_READINGS.toLocaleString("en")} numbers (about 8 KB of JSON, validated element by element by rxwire, both ways); ${rounds} round(s). Servers: a raw \`ws\` echo server (parses the \`req\` envelope, answers \`res\`), rxwire's \`createServer\` with \`server.handle('echo', …)\` (io-ts validation both ways), socket.io with an ack handler. Microseconds, medians of per-round figures (min–max).`,
  );
  md.push('');
  md.push('| client | payload | p50 µs | p99 µs | p50 − raw p50 at that size, µs | failed runs |');
  md.push('|---|---|---|---|---|---|');
  for (const row of roundTrip) {
    const size = row.bytes >= 1000 ? `${(row.bytes / 1000).toFixed(1)} KB` : `${row.bytes} B`;
    md.push(`| ${row.name} | ${size} | ${fmtUs(row.p50)} | ${fmtUs(row.p99)} | ${row.library === 'raw' ? '—' : fmtUs(row.p50MinusRaw)} | ${row.failures} |`);
  }
  md.push('');
  md.push(`Target: rxwire p50 within 50 µs of raw ws (small payload) — ${yes(targets.at(-1)!.met)}.`);
  const large = roundTrip.find((r) => r.library === 'rxwire' && r.bytes >= 1000);
  if (large?.p50MinusRaw) md.push(`\nAt about 8 KB (not a target): rxwire's p50 is ${fmtUs(large.p50MinusRaw)} µs from raw's.`);
  md.push('');

  return { markdown: md.join('\n'), data };
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
