/** The peer benchmark's section of docs/benchmarks.md. */
import { LARGE_READINGS } from './cases';
import type { PeerData, Stat } from './types';

const fmtRate = (r: number) => (r >= 10_000 ? `${Math.round(r / 1000)}k` : `${(r / 1000).toFixed(1)}k`);
const fmtRatio = (s: Stat | null | undefined, digits = 2) =>
  s ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})` : '—';
const fmtUs = (s: Stat | null) => (s ? `${Math.round(s.median)} (${Math.round(s.min)}–${Math.round(s.max)})` : '—');
const fmtBytes = (s: Stat | null) => (s ? `${Math.round(s.median)} B (${Math.round(s.min)}–${Math.round(s.max)})` : '—');
const yes = (met: boolean) => (met ? '**met**' : '**not met**');


/** What the markdown says of how the runs were made, beside the figures. */
export interface PeerSettings {
  count: number;
  warmup: number;
  requestWarmup: number;
}

/** The three tables (throughput, heap, round trip) with their targets. */
export function peersMarkdown(data: PeerData, { count, warmup, requestWarmup }: PeerSettings): string {
  const { throughput, heap, roundTrip, targets } = data;
  const { rounds, requests, loadBefore } = data.meta;
  const md: string[] = [];
  const date = data.meta.date.slice(0, 10);
  md.push(`### Inbound throughput against peer libraries`);
  md.push('');
  md.push(
    `${count.toLocaleString('en')} messages of about 107 bytes per run after a ${warmup.toLocaleString('en')}-message warm-up, ${rounds} round(s), Node ${data.meta.node}, ${data.meta.cpus} CPUs, ${date}. Fresh client process per run; contenders rotated round by round; medians of per-round figures (min–max). Raw \`ws\` and \`reconnecting-websocket\` have no channels and run with one stream.`,
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

  return md.join('\n');
}
