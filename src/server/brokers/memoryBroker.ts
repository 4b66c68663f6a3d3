import type { Broker, BrokerMessage, Replay } from './types';

/** Options of {@link memoryBroker}. */
export interface MemoryBrokerOptions {
  /**
   * The most messages kept per stream for recovery.
   * @defaultValue 100
   */
  historySize?: number;
  /**
   * Milliseconds a message stays in the history.
   * @defaultValue 300000 (five minutes)
   */
  historyTtl?: number;
  /**
   * The clock, in milliseconds. Inject one in tests.
   * @defaultValue Date.now
   */
  now?: () => number;
  /**
   * The number a new stream's sequence starts after. Taken from the clock by default,
   * so that a stream recreated after a restart numbers its messages above anything
   * clients saw before: they then get a gap notice instead of having new messages
   * dropped as replays.
   * @defaultValue `now() * 1000`
   */
  epoch?: () => number;
}

interface Stream {
  seq: number;
  history: Array<BrokerMessage & { at: number }>;
  listeners: Set<(message: BrokerMessage) => void>;
}

/**
 * The embedded broker: one process, history in memory, bounded by count and age.
 * The default of `createServer`.
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
  const { historySize = 100, historyTtl = 300_000, now = Date.now, epoch = () => now() * 1000 } = options;
  const streams = new Map<string, Stream>();
  const presence = new Map<string, Set<string>>();

  const stream = (key: string): Stream => {
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { seq: epoch(), history: [], listeners: new Set() }));
    return s;
  };
  const trim = (s: Stream): void => {
    const oldest = now() - historyTtl;
    while (s.history.length > historySize || (s.history.length > 0 && s.history[0]!.at < oldest)) s.history.shift();
  };

  return {
    async publish(key, data) {
      const s = stream(key);
      const message = { seq: ++s.seq, data };
      s.history.push({ ...message, at: now() });
      trim(s);
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
      return () => {
        s.listeners.delete(listener);
        if (s.listeners.size === 0 && s.history.length === 0) streams.delete(key);
      };
    },
    async replay(key, since): Promise<Replay> {
      const s = stream(key);
      trim(s);
      if (since === undefined || since >= s.seq) return { seq: s.seq, messages: [] };
      const messages = s.history.filter((m) => m.seq > since).map(({ seq, data }) => ({ seq, data }));
      const first = messages[0]?.seq ?? s.seq + 1;
      return first > since + 1 ? { seq: s.seq, messages, lost: { from: since + 1, to: first - 1 } } : { seq: s.seq, messages };
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
      presence.clear();
    },
  };
}
