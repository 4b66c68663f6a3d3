/** The figures of the peer benchmark, as `runPeers` returns them (and `--json` writes them). */

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
