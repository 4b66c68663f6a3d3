import type { BrokerMessage, StreamPosition } from './types';

/** One stream of the memory broker. */
export interface Stream {
  readonly epoch: string;
  offset: number;
  history: Array<{ readonly message: BrokerMessage; readonly at: number }>;
  readonly listeners: Set<(message: BrokerMessage) => void>;
  /** When it last had a message, or lost its last listener (read while it is idle). */
  touched: number;
}

/**
 * The memory broker's streams, with their lifetimes: a stream with listeners lives; an
 * idle one is kept whole while it holds history, then as its position alone, in two
 * generations of `historyTtl` each (kept for `historyTtl` at least, dropped at the second
 * rotation after, with no time stored per stream).
 */
export class StreamStore {
  private readonly streams = new Map<string, Stream>();
  /** Idle streams that still hold history, least recently touched first. */
  private readonly idle = new Map<string, Stream>();
  private recent = new Map<string, StreamPosition>();
  private older = new Map<string, StreamPosition>();
  private rotated: number;

  constructor(
    private readonly historySize: number,
    private readonly historyTtl: number,
    private readonly now: () => number,
    private readonly epoch: () => string,
  ) {
    this.rotated = now();
  }

  /** The stream under `key`, made (in its kept position, or a new epoch) if it is not live. */
  get(key: string): Stream {
    this.forgetExpired();
    let s = this.streams.get(key);
    if (!s) {
      const kept = this.recent.get(key) ?? this.older.get(key);
      if (kept) {
        this.recent.delete(key);
        this.older.delete(key);
      }
      s = { epoch: kept?.epoch ?? this.epoch(), offset: kept?.offset ?? 0, history: [], listeners: new Set(), touched: this.now() };
      this.streams.set(key, s);
    }
    return s;
  }

  /** Drops what is past `historySize` or older than `historyTtl`. */
  trim(s: Stream): void {
    const oldest = this.now() - this.historyTtl;
    while (s.history.length > this.historySize || (s.history.length > 0 && s.history[0]!.at < oldest)) s.history.shift();
  }

  /** A stream got a listener: it is not idle. */
  listened(key: string): void {
    this.idle.delete(key);
  }

  /**
   * A stream with no listener left: kept whole while it holds history, as its position
   * alone after. `touched` (a message, a listener leaving) restarts its time; a read does not.
   */
  settle(key: string, s: Stream, touched: boolean): void {
    if (s.listeners.size > 0 || this.streams.get(key) !== s || (!touched && this.idle.has(key))) return;
    s.touched = this.now();
    this.idle.delete(key); // to the end, if it goes back: the order stays by time
    this.trim(s);
    if (s.history.length > 0) return void this.idle.set(key, s);
    this.streams.delete(key);
    this.recent.set(key, { epoch: s.epoch, offset: s.offset });
  }

  /** Forgets everything. */
  clear(): void {
    this.streams.clear();
    this.idle.clear();
    this.recent.clear();
    this.older.clear();
  }

  /** Reduces idle streams past `historyTtl` to their positions, and rotates the generations. */
  forgetExpired(): void {
    const at = this.now();
    if (at - this.rotated >= this.historyTtl) {
      // Every position in `recent` was kept before rotated + historyTtl.
      this.older = at - this.rotated >= 2 * this.historyTtl ? new Map() : this.recent;
      this.recent = new Map();
      this.rotated = at;
    }
    for (const [key, s] of this.idle) {
      if (s.touched >= at - this.historyTtl) break;
      this.idle.delete(key);
      this.streams.delete(key);
      this.recent.set(key, { epoch: s.epoch, offset: s.offset });
    }
  }
}
