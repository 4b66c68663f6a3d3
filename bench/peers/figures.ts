/** The peer benchmark's figures from its raw results: rows per case, per-round comparisons and the targets. */
import { median } from '../stats';
import { keyOf, type RoundTripCase, type ThroughputCase } from './cases';
import type { HeapRow, RoundTripRow, Stat, Target, ThroughputRow } from './types';

/** What one client process reported, per round (undefined for a run that failed). */
export type Results = Map<string, (Record<string, number> | undefined)[]>;

function stat(values: (number | undefined)[]): Stat | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v), perRound: v } : null;
}

const perRoundRatio = (a: (number | undefined)[], b: (number | undefined)[]) =>
  a.map((x, i) => (x !== undefined && b[i] !== undefined ? x / b[i]! : undefined));

/** The throughput rows (each against raw and against rxwire at the same channels) and the heap rows. */
export function throughputFigures(cases: ThroughputCase[], results: Results, failures: Map<string, number>): { throughput: ThroughputRow[]; heap: HeapRow[] } {
  const rates = (c: ThroughputCase) => results.get(keyOf(c))!.map((r) => r?.rate);
  const rawRates = rates(cases[0]!);
  const rxwireAt = (channels: number) => cases.find((c) => c.library === 'rxwire' && c.channels === channels)!;

  const throughput: ThroughputRow[] = cases.map((c) => {
    const r = rates(c);
    const row: ThroughputRow = {
      library: c.library,
      name: c.name,
      channels: c.channels,
      count: c.count,
      warmup: c.warmup,
      rate: stat(r),
      vsRaw: stat(perRoundRatio(r, rawRates)),
      failures: failures.get(keyOf(c)) ?? 0,
    };
    if (c.library !== 'rxwire' && c.library !== 'raw') row.rxwireVsThis = stat(perRoundRatio(rates(rxwireAt(c.channels)), r));
    return row;
  });

  const heap: HeapRow[] = cases
    .filter((c) => c.channels >= 10_000)
    .map((c) => ({ library: c.library, channels: c.channels, bytesPerChannel: stat(results.get(keyOf(c))!.map((r) => r?.heapPerChannel)) }));
  return { throughput, heap };
}

/** The round-trip rows, each against raw at the same payload size. */
export function roundTripFigures(cases: RoundTripCase[], results: Results, failures: Map<string, number>): RoundTripRow[] {
  const rtt = (c: RoundTripCase, field: 'p50' | 'p99') => results.get(keyOf(c))!.map((r) => r?.[field]);
  return cases.map((c) => {
    // Compared with raw at the same payload size, round by round.
    const rawP50 = rtt(cases.find((x) => x.library === 'raw' && x.readings === c.readings)!, 'p50');
    const bytes = results.get(keyOf(c))!.find((r) => r?.bytes !== undefined)?.bytes ?? 0;
    return {
      library: c.library,
      name: c.name,
      bytes,
      p50: stat(rtt(c, 'p50')),
      p99: stat(rtt(c, 'p99')),
      p50MinusRaw: stat(rtt(c, 'p50').map((x, i) => (x !== undefined && rawP50[i] !== undefined ? x - rawP50[i]! : undefined))),
      failures: failures.get(keyOf(c)) ?? 0,
    };
  });
}

/** The targets, in the order the markdown reads them (the heap target second to last, the round trip's last). */
export function targetsOf(throughput: ThroughputRow[], heap: HeapRow[], roundTrip: RoundTripRow[]): Target[] {
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
  return targets;
}
