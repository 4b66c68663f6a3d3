import { randomBytes } from 'node:crypto';
import { SERVER_DEFAULTS } from '../defaults';
import { replayOf } from './replay';
import type { Broker, BrokerMessage, Replay, StreamPosition } from './types';

/** Options of {@link memoryBroker}. */
export interface MemoryBrokerOptions {
  /**
   * The most messages kept per stream for recovery.
   * @defaultValue 100
   */
  historySize?: number;
  /**
   * Milliseconds a message stays in the history. Also how long an idle stream (no
   * listeners) keeps its epoch and offset after its last message or its last listener:
   * a client that comes back within it resumes in the same epoch (with a gap notice
   * counting what expired, if anything did); after it, the stream starts a new epoch.
   * @defaultValue 300000 (five minutes)
   */
  historyTtl?: number;
  /**
   * The clock, in milliseconds. Inject one in tests.
   * @defaultValue Date.now
   */
  now?: () => number;
  /**
   * Makes the epoch of a new stream. Each must differ from every earlier one of the
   * same stream, in this process and in any earlier one: a restarted process is a new
   * epoch, so that clients learn that the history they knew is gone.
   * @defaultValue 8 random characters (48 bits)
   */
  epoch?: () => string;
}

interface Stream {
  readonly epoch: string;
  offset: number;
  history: Array<{ readonly message: BrokerMessage; readonly at: number }>;
  readonly listeners: Set<(message: BrokerMessage) => void>;
  /** When it last had a message, or lost its last listener (read while it is idle). */
  touched: number;
}

const randomEpoch = (): string => randomBytes(6).toString('base64url');

/**
 * The embedded broker: one process, history in memory, bounded by count and age.
 * The default of `createServer`.
 *
 * Each stream gets a random epoch when it is created; its offsets count from 1. An idle
 * stream (no listeners) keeps its epoch and offset for at least `historyTtl` after its
 * last message or its last listener, whichever is later: whole while it holds history,
 * then as its position alone (about 100 bytes), which goes one to two `historyTtl`s
 * later (at the broker's first call after that). A client that comes back later gets a
 * gap notice with the stream's new epoch. A new process (a restart) numbers every
 * stream in a new epoch.
 *
 * @example
 * ```ts
 * // A longer history, so clients away for up to ten minutes recover exactly.
 * const broker = memoryBroker({ historySize: 1000, historyTtl: 600_000 });
 * const server = await createServer({ protocol: smartHome, port: 8080, broker });
 * // A broker passed in is yours: close it after the server.
 * await server.close();
 * await broker.close();
 * ```
 */
export function memoryBroker(options: MemoryBrokerOptions = {}): Broker {
  const { historySize = SERVER_DEFAULTS.memoryBroker.historySize, historyTtl = SERVER_DEFAULTS.memoryBroker.historyTtl, now = Date.now, epoch = randomEpoch } = options;
  const streams = new Map<string, Stream>();
  // The streams without listeners that still hold history, least recently touched first:
  // reduced to their positions in that order, historyTtl after they were touched (their
  // history has expired by then).
  const idle = new Map<string, Stream>();
  // The positions of idle streams without history, in two generations of historyTtl
  // each: kept for historyTtl at least, and dropped at the second rotation after (about
  // twice that while the broker is in use), with no time stored per stream.
  let recent = new Map<string, StreamPosition>();
  let older = new Map<string, StreamPosition>();
  let rotated = now();
  const presence = new Map<string, Set<string>>();

  const trim = (s: Stream): void => {
    const oldest = now() - historyTtl;
    while (s.history.length > historySize || (s.history.length > 0 && s.history[0]!.at < oldest)) s.history.shift();
  };
  const forgetExpired = (): void => {
    const at = now();
    if (at - rotated >= historyTtl) {
      // Every position in `recent` was kept before rotated + historyTtl.
      older = at - rotated >= 2 * historyTtl ? new Map() : recent;
      recent = new Map();
      rotated = at;
    }
    for (const [key, s] of idle) {
      if (s.touched >= at - historyTtl) break;
      idle.delete(key);
      streams.delete(key);
      recent.set(key, { epoch: s.epoch, offset: s.offset });
    }
  };
  const stream = (key: string): Stream => {
    forgetExpired();
    let s = streams.get(key);
    if (!s) {
      const kept = recent.get(key) ?? older.get(key);
      if (kept) {
        recent.delete(key);
        older.delete(key);
      }
      s = { epoch: kept?.epoch ?? epoch(), offset: kept?.offset ?? 0, history: [], listeners: new Set(), touched: now() };
      streams.set(key, s);
    }
    return s;
  };
  /**
   * A stream with no listener left: kept whole while it holds history, as its position
   * alone after. `touched` (a message, a listener leaving) restarts its time; a read does not.
   */
  const settle = (key: string, s: Stream, touched: boolean): void => {
    if (s.listeners.size > 0 || streams.get(key) !== s || (!touched && idle.has(key))) return;
    s.touched = now();
    idle.delete(key); // to the end, if it goes back: the order stays by time
    trim(s);
    if (s.history.length > 0) return void idle.set(key, s);
    streams.delete(key);
    recent.set(key, { epoch: s.epoch, offset: s.offset });
  };

  return {
    async publish(key, data) {
      const s = stream(key);
      const message: BrokerMessage = { epoch: s.epoch, offset: ++s.offset, data };
      s.history.push({ message, at: now() });
      trim(s);
      settle(key, s, true);
      for (const listener of [...s.listeners]) {
        try {
          listener(message);
        } catch {
          // One listener's failure must not keep the message from the others.
        }
      }
      return message;
    },
    async listen(key, listener) {
      const s = stream(key);
      s.listeners.add(listener);
      idle.delete(key);
      return () => {
        if (!s.listeners.delete(listener)) return;
        forgetExpired();
        settle(key, s, true);
      };
    },
    async replay(key, since): Promise<Replay> {
      const s = stream(key);
      trim(s);
      const replay = replayOf(s, since, since === undefined ? [] : s.history.map((h) => h.message));
      settle(key, s, false);
      return replay;
    },
    async join(key, member) {
      let members = presence.get(key);
      if (!members) presence.set(key, (members = new Set()));
      members.add(member);
    },
    async leave(key, member) {
      const members = presence.get(key);
      members?.delete(member);
      if (members?.size === 0) presence.delete(key);
    },
    async members(key) {
      return [...(presence.get(key) ?? [])];
    },
    async close() {
      streams.clear();
      idle.clear();
      recent.clear();
      older.clear();
      presence.clear();
    },
  };
}
