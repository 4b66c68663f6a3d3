/**
 * The cost of growth (scenario 6): each scenario's figure at two or three sizes, gathered
 * from the sections of one `npm run bench` run into one table, with charts.
 */
import { RECONNECT_DEFAULTS } from '../src/index';
import { barChart, type Bar } from './report';
import type { PeerData } from './peers/index';
import type { ScaleData } from './scale/index';
import { median } from './stats';

/** What the inbound section measured, by case. */
export interface InboundGrowth {
  /** msgs/s (median) at 1, 100 and 10,000 open channels, uniform traffic. */
  byChannels: Array<{ channels: number; rate: number }>;
  /** Heap per open channel (median bytes) at 100 and 10,000 channels. */
  heap: Array<{ channels: number; bytes: number }>;
  /** rxwire vs raw (median of per-round ratios) by frame size in bytes. */
  bySize: Array<{ bytes: number; rawRate: number; rxwireRate: number; ratio: number }>;
}

const kB = (bytes: number) => (bytes >= 1000 ? `${(bytes / 1000).toFixed(bytes >= 10_000 ? 0 : 1)} KB` : `${Math.round(bytes)} B`);
const rate = (x: number) => (x >= 100_000 ? `${Math.round(x / 1000)}k` : `${(x / 1000).toFixed(1)}k`);
const ms = (x: number) => (Number.isNaN(x) ? '—' : x >= 10 ? x.toFixed(0) : x.toFixed(1));

/** The payload sizes of the request/reply runs, smallest first. */
const roundTripSizes = (peers: PeerData) => [...new Set(peers.roundTrip.map((r) => r.bytes))].sort((a, b) => a - b);

/** Builds the section and its charts from one run's figures. */
export function growthSection(inbound: InboundGrowth, peers: PeerData, scale: ScaleData): { markdown: string; charts: Array<{ name: string; caption: string; svg: string }> } {
  const markdown = [
    '## Cost of growth',
    '',
    'Each scenario at two or three sizes, from the sections below (same run, medians over rounds).',
    '',
    '| scenario | grows with | sizes | figures | |',
    '|---|---|---|---|---|',
    ...growthRows(inbound, peers, scale),
    '',
  ].join('\n');
  return { markdown, charts: growthCharts(inbound, peers, scale) };
}

/** One table row per scenario: its figures at each size. */
function growthRows(inbound: InboundGrowth, peers: PeerData, scale: ScaleData): string[] {
  const rows: string[] = [];
  const row = (scenario: string, dimension: string, sizes: string[], figures: string[], note = '') =>
    rows.push(`| ${scenario} | ${dimension} | ${sizes.join(' → ')} | ${figures.join(' → ')} | ${note} |`);

  const one = inbound.byChannels[0]?.rate ?? NaN;
  row(
    'Inbound, rxwire client',
    'open channels (uniform traffic)',
    inbound.byChannels.map((c) => c.channels.toLocaleString('en')),
    inbound.byChannels.map((c) => `${rate(c.rate)} msgs/s (${(c.rate / one).toFixed(2)})`),
    'in brackets: vs 1 channel',
  );
  row(
    'Inbound, rxwire client',
    'message size',
    inbound.bySize.map((s) => kB(s.bytes)),
    inbound.bySize.map((s) => `${rate(s.rxwireRate)} msgs/s (${s.ratio.toFixed(2)})`),
    'in brackets: vs raw ws + JSON.parse at that size',
  );
  row('Heap, rxwire client', 'open channels', inbound.heap.map((h) => h.channels.toLocaleString('en')), inbound.heap.map((h) => `${Math.round(h.bytes)} B per channel`));

  const trSizes = roundTripSizes(peers);
  for (const library of ['rxwire', 'raw', 'socket.io-client'] as const) {
    const byLibrary = trSizes.map((bytes) => peers.roundTrip.find((r) => r.library === library && (r.bytes) === bytes));
    if (byLibrary.some((r) => !r?.p50)) continue;
    row(
      `Request/reply, ${library === 'rxwire' ? 'rxwire `request`' : library === 'raw' ? 'raw ws' : 'socket.io `emitWithAck`'}`,
      'payload',
      trSizes.map((b) => kB(b)),
      byLibrary.map((r) => `p50 ${Math.round(r!.p50!.median)} µs, p99 ${Math.round(r!.p99?.median ?? NaN)} µs`),
    );
  }

  const fixed = scale.fanout.cases.filter((c) => c.rate > 0);
  for (const server of ['rxwire', 'socketio', 'ws']) {
    const figures = fixed.map(({ clients, rate: r }) => {
      const rs = scale.fanout.rounds.filter((x) => x.server === server && x.clients === clients && x.rate === r);
      return `${median(rs.map((x) => x.cpuPerDelivery)).toFixed(1)} µs CPU/delivery, p99 ${ms(median(rs.map((x) => x.p99)))} ms`;
    });
    row(
      `Server fan-out, ${server === 'rxwire' ? 'rxwire' : server === 'socketio' ? 'socket.io' : 'plain ws loop'}`,
      'clients (messages/s)',
      fixed.map((c) => `${c.clients.toLocaleString('en')} (${c.rate}/s)`),
      figures,
    );
  }

  const stormSizes = scale.storm.sizes;
  const named = `rxwire:${RECONNECT_DEFAULTS.jitter}:${RECONNECT_DEFAULTS.initialDelay}`;
  for (const contender of [scale.storm.contenders.includes(named) ? named : 'rxwire', 'socketio']) {
    row(
      `Reconnect storm, ${contender === 'socketio' ? 'socket.io-client' : 'rxwire (defaults)'}`,
      `clients (× ${scale.storm.channels} channels)`,
      stormSizes.map((c) => c.toLocaleString('en')),
      stormSizes.map((c) => `settled in ${ms(median(scale.storm.rounds.filter((x) => x.contender === contender && x.clients === c).map((x) => x.settled)))} ms`),
    );
  }

  return rows;
}

/** Charts: server CPU per delivery (lower is better), request/reply p50 by payload, inbound rate by message size. */
function growthCharts(inbound: InboundGrowth, peers: PeerData, scale: ScaleData): Array<{ name: string; caption: string; svg: string }> {
  const cpuBars: Bar[] = [];
  for (const { clients, rate: r } of scale.fanout.cases) {
    for (const server of ['rxwire', 'socketio', 'ws']) {
      const rs = scale.fanout.rounds.filter((x) => x.server === server && x.clients === clients && x.rate === r);
      if (!rs.length) continue;
      const name = server === 'rxwire' ? 'rxwire' : server === 'socketio' ? 'socket.io' : 'plain ws';
      cpuBars.push({ label: `${name}, ${clients.toLocaleString('en')} clients, ${r || 'max'}/s`, value: median(rs.map((x) => x.cpuPerDelivery)), ours: server === 'rxwire' });
    }
  }
  const rttBars: Bar[] = [];
  for (const bytes of roundTripSizes(peers)) {
    for (const r of peers.roundTrip.filter((x) => x.bytes === bytes && x.p50)) {
      rttBars.push({ label: `${r.library === 'socket.io-client' ? 'socket.io' : r.library}, ${kB(bytes)}`, value: r.p50!.median, ours: r.library === 'rxwire' });
    }
  }
  const sizeBars: Bar[] = inbound.bySize.map((s) => ({ label: `rxwire vs raw, ${kB(s.bytes)} messages`, value: s.ratio, ours: true }));
  const charts = [
    { name: 'fanout-cpu', caption: 'Server CPU per delivery in the fan-out', svg: barChart('Server fan-out: CPU time per delivery (lower is better)', 'µs', cpuBars, (v) => v.toFixed(1)) },
    { name: 'request-p50', caption: 'Request/reply p50 by payload', svg: barChart('Request/reply round trip, p50 (lower is better)', 'µs', rttBars, (v) => v.toFixed(0)) },
    { name: 'inbound-size', caption: 'Inbound throughput by message size, relative to raw', svg: barChart('Inbound throughput by message size, relative to raw ws + JSON.parse', 'x', sizeBars) },
  ].filter((c) => !c.svg.includes('NaN'));
  return charts;
}
