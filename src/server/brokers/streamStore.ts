import type { BrokerMessage, StreamPosition } from './types';

type Listener = (message: BrokerMessage) => void;

/**
 * A stream's last messages with the time each came, oldest first, in a ring: keeping one
 * more and dropping the oldest moves nothing and allocates nothing (an array's `shift`
 * per publish did both). It grows as messages come, up to `size`.
 */
export class History {
  private messages: Array<BrokerMessage | undefined> = [];
  private times: number[] = [];
  /** Where the oldest is. */
  private head = 0;
  /** When the oldest came (meaningful while `length` > 0): `expire` reads no array when nothing is due. */
  private oldestAt = 0;
  length = 0;

  constructor(private readonly size: number) {}

  /** Keeps `message`, which came at `at`, dropping the oldest when `size` are kept. */
  push(message: BrokerMessage, at: number): void {
    if (this.size <= 0) return;
    const capacity = this.messages.length;
    if (this.length === 0) this.oldestAt = at;
    if (this.length < capacity) {
      const i = (this.head + this.length) % capacity;
      this.messages[i] = message;
      this.times[i] = at;
      this.length += 1;
    } else if (capacity < this.size) {
      if (this.head !== 0) this.unwrap();
      this.messages.push(message);
      this.times.push(at);
      this.length += 1;
    } else {
      const head = this.head;
      this.messages[head] = message;
      this.times[head] = at;
      // The next slot, without a division.
      const next = head + 1 === capacity ? 0 : head + 1;
      this.head = next;
      this.oldestAt = this.times[next]!;
    }
  }

  /** Drops the messages that came before `oldest`. */
  expire(oldest: number): void {
    while (this.length > 0 && this.oldestAt < oldest) {
      this.messages[this.head] = undefined;
      this.head = (this.head + 1) % this.messages.length;
      this.length -= 1;
      if (this.length > 0) this.oldestAt = this.times[this.head]!;
    }
  }

  /** The messages kept, oldest first. */
  toArray(): BrokerMessage[] {
    const out: BrokerMessage[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.messages[(this.head + i) % this.messages.length]!);
    return out;
  }

  /** Lays the ring out from index 0 again, so that it can grow at its end. */
  private unwrap(): void {
    const order = (a: unknown[]) => [...a.slice(this.head), ...a.slice(0, this.head)].slice(0, this.length);
    this.messages = order(this.messages) as BrokerMessage[];
    this.times = order(this.times) as number[];
    this.head = 0;
  }
}

/** One stream of the memory broker. */
export interface Stream {
  readonly epoch: string;
  offset: number;
  readonly history: History;
  readonly listeners: Set<Listener>;
  /**
   * The listeners as an array, made when a publish needs it after they changed: a
   * publish calls those of this snapshot, so a listener added or removed while a message
   * is delivered changes who gets the next one, not that one.
   */
  snapshot: readonly Listener[] | undefined;
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

  /** The stream under `key`, made (in its kept position, or a new epoch) if it is not live; `at` is the time now. */
  get(key: string, at = this.now()): Stream {
    this.forgetExpired(at);
    let s = this.streams.get(key);
    if (!s) {
      const kept = this.recent.get(key) ?? this.older.get(key);
      if (kept) {
        this.recent.delete(key);
        this.older.delete(key);
      }
      s = { epoch: kept?.epoch ?? this.epoch(), offset: kept?.offset ?? 0, history: new History(this.historySize), listeners: new Set(), snapshot: undefined, touched: at };
      this.streams.set(key, s);
    }
    return s;
  }

  /** Drops what is older than `historyTtl` (the history keeps no more than `historySize` itself). */
  trim(s: Stream, now = this.now()): void {
    s.history.expire(now - this.historyTtl);
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

  /** Reduces idle streams past `historyTtl` to their positions, and rotates the generations; `at` is the time now. */
  forgetExpired(at = this.now()): void {
    if (at - this.rotated >= this.historyTtl) {
      // Every position in `recent` was kept before rotated + historyTtl.
      this.older = at - this.rotated >= 2 * this.historyTtl ? new Map() : this.recent;
      this.recent = new Map();
      this.rotated = at;
    }
    // Called on every publish: no iterator when nothing is idle (the usual case under load).
    if (this.idle.size === 0) return;
    for (const [key, s] of this.idle) {
      if (s.touched >= at - this.historyTtl) break;
      this.idle.delete(key);
      this.streams.delete(key);
      this.recent.set(key, { epoch: s.epoch, offset: s.offset });
    }
  }
}
