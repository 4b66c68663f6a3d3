import { randomBytes } from 'node:crypto';
import { replayOf } from './replay';
import type { Broker, BrokerMessage, Replay } from './types';

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
  /** When it last had a message, or lost its last listener. */
  touched: number;
}

const randomEpoch = (): string => randomBytes(6).toString('base64url');

/**
 * The embedded broker: one process, history in memory, bounded by count and age.
 * The default of `createServer`.
 *
 * Each stream gets a random epoch when it is created; its offsets count from 1. An idle
 * stream (no listeners) is forgotten `historyTtl` after its last message or its last
 * listener, whichever is later: by then its history has expired anyway, and a client
 * that comes back later gets a gap notice with the stream's new epoch. A new process
 * (a restart) numbers every stream in a new epoch.
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
  const { historySize = 100, historyTtl = 300_000, now = Date.now, epoch = randomEpoch } = options;
  const streams = new Map<string, Stream>();
  // The streams without listeners, least recently touched first: forgotten in that order.
  const idle = new Map<string, Stream>();
  const presence = new Map<string, Set<string>>();

  const forgetExpired = (): void => {
    const oldest = now() - historyTtl;
    for (const [key, s] of idle) {
      if (s.touched >= oldest) break;
      idle.delete(key);
      streams.delete(key);
    }
  };
  const touch = (key: string, s: Stream): void => {
    s.touched = now();
    if (s.listeners.size > 0) return;
    idle.delete(key); // to the end: the order stays by time
    idle.set(key, s);
  };
  const stream = (key: string): Stream => {
    forgetExpired();
    let s = streams.get(key);
    if (!s) {
      streams.set(key, (s = { epoch: epoch(), offset: 0, history: [], listeners: new Set(), touched: now() }));
      idle.set(key, s);
    }
    return s;
  };
  const trim = (s: Stream): void => {
    const oldest = now() - historyTtl;
    while (s.history.length > historySize || (s.history.length > 0 && s.history[0]!.at < oldest)) s.history.shift();
  };

  return {
    async publish(key, data) {
      const s = stream(key);
      const message: BrokerMessage = { epoch: s.epoch, offset: ++s.offset, data };
      s.history.push({ message, at: now() });
      trim(s);
      touch(key, s);
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
        if (!s.listeners.delete(listener) || s.listeners.size > 0 || streams.get(key) !== s) return;
        touch(key, s);
      };
    },
    async replay(key, since): Promise<Replay> {
      const s = stream(key);
      trim(s);
      return replayOf(s, since, since === undefined ? [] : s.history.map((h) => h.message));
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
      presence.clear();
    },
  };
}
