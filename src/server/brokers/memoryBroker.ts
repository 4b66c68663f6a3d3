import { randomBytes } from 'node:crypto';
import { SERVER_DEFAULTS } from '../defaults';
import { replayOf } from './replay';
import type { Broker, BrokerMessage, Replay } from './types';
import { StreamStore } from './streamStore';

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
  const store = new StreamStore(historySize, historyTtl, now, epoch);
  const presence = new Map<string, Set<string>>();

  // Numbers, stores and delivers a message: what `publish` does, returned without a promise.
  const publishNow = (key: string, data: unknown): BrokerMessage => {
    // One reading of the clock per publish: the store's housekeeping, the stream's and the message's time.
    const at = now();
    const s = store.get(key, at);
    const message: BrokerMessage = { epoch: s.epoch, offset: ++s.offset, data };
    s.history.push(message, at);
    store.trim(s, at);
    // The listeners of the moment: one added or removed by a listener takes effect from
    // the next message. The array is remade only after they changed, not per publish.
    const listeners = (s.snapshot ??= [...s.listeners]);
    // Only a stream without listeners has idle time to restart (the snapshot is current:
    // it has as many as the set).
    if (listeners.length === 0) store.settle(key, s, true);
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(message);
      } catch {
        // One listener's failure must not keep the message from the others.
      }
    }
    return message;
  };

  return {
    async publish(key, data) {
      return publishNow(key, data);
    },
    publishNow,
    async listen(key, listener) {
      const s = store.get(key);
      s.listeners.add(listener);
      s.snapshot = undefined;
      store.listened(key);
      return () => {
        if (!s.listeners.delete(listener)) return;
        s.snapshot = undefined;
        store.forgetExpired();
        store.settle(key, s, true);
      };
    },
    async replay(key, since): Promise<Replay> {
      const s = store.get(key);
      store.trim(s);
      const replay = replayOf(s, since, since === undefined ? [] : s.history.toArray());
      store.settle(key, s, false);
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
      store.clear();
      presence.clear();
    },
  };
}
