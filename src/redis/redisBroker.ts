import { Redis, type RedisOptions } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Broker, BrokerMessage, Replay } from '../server/brokers/types';

/** Options of {@link redisBroker}. */
export interface RedisBrokerOptions {
  /** A Redis URL such as `redis://127.0.0.1:6379`. Give `url` or `client`. */
  url?: string;
  /**
   * A connected ioredis client to use for commands; a second connection for
   * subscriptions is made with `client.duplicate()`.
   */
  client?: Redis;
  /**
   * Prefix of every key and channel name, so several apps can share a Redis.
   * @defaultValue 'rxwire'
   */
  prefix?: string;
  /**
   * The most messages kept per stream for recovery (Redis Streams, trimmed exactly).
   * @defaultValue 1000
   */
  historySize?: number;
  /**
   * Milliseconds a member stays in presence without being refreshed: a process that
   * dies disappears from presence within this time. Live processes refresh their members
   * every third of it.
   * @defaultValue 15000
   */
  presenceTtl?: number;
  /**
   * Told of what the broker had to skip: a pub/sub payload that is not rxwire's (another
   * app publishing on the prefix) or a listener that threw. The other messages and
   * listeners go on either way.
   * @defaultValue undefined (skipped silently)
   */
  onError?: (error: unknown) => void;
}

// INCR the stream's sequence, append to its history and publish to every process, in
// one atomic step, so that sequence numbers are consecutive and in order across processes.
// A new (or lost, after a Redis restart without persistence) counter starts from the
// clock, above anything clients saw before, so they get a gap instead of silent drops.
const EPOCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[1], string.format('%.0f', tonumber(t[1]) * 1000000 + math.floor(tonumber(t[2]) / 1000) * 1000))
end`;
const PUBLISH = `${EPOCH}
local seq = redis.call('INCR', KEYS[1])
-- Lua's default number format would write large numbers in exponent notation.
local text = string.format('%.0f', seq)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], text .. '-1', 'd', ARGV[1])
redis.call('PUBLISH', KEYS[3], text .. ' ' .. ARGV[1])
return seq`;

// The current sequence and the history after `since`, read atomically.
const REPLAY = `${EPOCH}
local seq = tonumber(redis.call('GET', KEYS[1]))
local entries = {}
if ARGV[1] ~= '' then entries = redis.call('XRANGE', KEYS[2], '(' .. ARGV[1] .. '-1', '+') end
return {seq, entries}`;

/**
 * A broker on Redis, for many server processes behind a load balancer: messages
 * published on any process reach the subscribers on every process once, history and
 * sequence numbers live in Redis Streams (so a client that reconnects to another process
 * recovers exactly what it missed), and presence is shared with a TTL.
 *
 * Needs Redis 6.2 or later (exclusive ranges in `XRANGE`).
 *
 * While Redis is unreachable, `publish` rejects (nothing is queued or lost silently),
 * client connections stay up, and subscriptions are restored when Redis returns.
 *
 * @example
 * ```ts
 * import { redisBroker } from 'rxwire/redis';
 * const server = await createServer({ protocol: smartHome, port: 8080, broker: redisBroker({ url: process.env.REDIS_URL }) });
 * ```
 */
export function redisBroker(options: RedisBrokerOptions): Broker {
  const { prefix = 'rxwire', historySize = 1000, presenceTtl = 15_000 } = options;
  if (!options.url && !options.client) throw new TypeError('redisBroker needs a url or a client');
  // Fail fast while Redis is away: a publish must report its failure, not wait in a queue.
  const settings: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false };
  const ownsClient = !options.client;
  const commands = options.client ?? new Redis(options.url!, settings);
  const subscriber = options.client ? options.client.duplicate(settings) : new Redis(options.url!, settings);
  // ioredis reports connection errors here while it retries; they must not crash the process.
  commands.on('error', () => undefined);
  subscriber.on('error', () => undefined);

  // Until the first connection is made, commands wait for it (a server may start before
  // Redis answers); after that, a lost connection fails them at once.
  let connectedOnce = commands.status === 'ready';
  const firstConnection = connectedOnce
    ? Promise.resolve()
    : new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('Redis did not answer within 10 s')), 10_000);
        timer.unref();
        commands.once('ready', () => {
          clearTimeout(timer);
          connectedOnce = true;
          resolve();
        });
      });
  firstConnection.catch(() => undefined);
  const ready = (): Promise<void> | undefined => (connectedOnce ? undefined : firstConnection);

  const key = (kind: string, stream: string) => `${prefix}:${kind}:${stream}`;
  const listeners = new Map<string, { set: Set<(message: BrokerMessage) => void>; subscribed: Promise<unknown> }>();
  const processId = randomUUID();
  const mine = new Map<string, Set<string>>(); // this process's presence, refreshed while alive

  // Runs in ioredis's event handler: nothing may throw out of it (it would crash the process).
  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // The reporter's own failure has nowhere else to go.
    }
  };
  subscriber.on('message', (channel: string, payload: string) => {
    const stream = channel.slice(prefix.length + 3);
    const space = payload.indexOf(' ');
    let message: BrokerMessage;
    try {
      message = { seq: Number(payload.slice(0, space)), data: JSON.parse(payload.slice(space + 1)) };
    } catch (error) {
      return report(new Error(`skipped a payload on ${channel} that is not rxwire's: ${(error as Error).message}`, { cause: error }));
    }
    if (!Number.isSafeInteger(message.seq)) return report(new Error(`skipped a payload on ${channel} without a sequence number`));
    for (const listener of [...(listeners.get(stream)?.set ?? [])]) {
      try {
        listener(message);
      } catch (error) {
        // One listener's failure must not keep the message from the others.
        report(error);
      }
    }
  });

  const stamp = (member: string) => `${processId} ${member}`;
  const refresh = setInterval(() => {
    const expires = Date.now() + presenceTtl;
    for (const [stream, members] of mine) {
      for (const member of members) commands.zadd(key('m', stream), expires, stamp(member)).catch(() => undefined);
    }
  }, presenceTtl / 3);
  refresh.unref();

  return {
    async publish(stream, data) {
      await ready();
      const seq = (await commands.eval(PUBLISH, 3, key('seq', stream), key('h', stream), key('p', stream), JSON.stringify(data) ?? 'null', historySize)) as number;
      return { seq, data };
    },
    async listen(stream, listener) {
      let entry = listeners.get(stream);
      if (!entry) {
        // Restored by ioredis when Redis returns after an outage.
        entry = { set: new Set(), subscribed: ready()?.then(() => subscriber.subscribe(key('p', stream))) ?? subscriber.subscribe(key('p', stream)) };
        listeners.set(stream, entry);
      }
      const mine = entry;
      mine.set.add(listener);
      const stop = () => {
        mine.set.delete(listener);
        if (mine.set.size === 0 && listeners.get(stream) === mine) {
          listeners.delete(stream);
          subscriber.unsubscribe(key('p', stream)).catch(() => undefined);
        }
      };
      try {
        await mine.subscribed; // live from here on: no hole before the replay that follows
      } catch (error) {
        stop();
        throw error;
      }
      return stop;
    },
    async replay(stream, since): Promise<Replay> {
      await ready();
      const [seq, entries] = (await commands.eval(REPLAY, 2, key('seq', stream), key('h', stream), since === undefined ? '' : String(since))) as [
        number,
        Array<[string, string[]]>,
      ];
      if (since === undefined || since >= seq) return { seq, messages: [] };
      const messages = entries.map(([id, fields]) => ({ seq: Number(id.split('-')[0]), data: JSON.parse(fields[1]!) }));
      const first = messages[0]?.seq ?? seq + 1;
      return first > since + 1 ? { seq, messages, lost: { from: since + 1, to: first - 1 } } : { seq, messages };
    },
    async join(stream, member) {
      let set = mine.get(stream);
      if (!set) mine.set(stream, (set = new Set()));
      set.add(member);
      await ready();
      await commands.zadd(key('m', stream), Date.now() + presenceTtl, stamp(member));
    },
    async leave(stream, member) {
      mine.get(stream)?.delete(member);
      if (mine.get(stream)?.size === 0) mine.delete(stream);
      await ready();
      await commands.zrem(key('m', stream), stamp(member));
    },
    async members(stream) {
      await ready();
      const now = Date.now();
      await commands.zremrangebyscore(key('m', stream), '-inf', now);
      const stamped = await commands.zrangebyscore(key('m', stream), now, '+inf');
      return stamped.map((entry) => entry.slice(entry.indexOf(' ') + 1));
    },
    async close() {
      clearInterval(refresh);
      // Leave presence at once rather than waiting for the TTL.
      await Promise.allSettled([...mine].flatMap(([stream, members]) => [...members].map((m) => commands.zrem(key('m', stream), stamp(m)))));
      mine.clear();
      listeners.clear();
      subscriber.disconnect();
      if (ownsClient) commands.disconnect();
    },
  };
}
