import type { Redis } from 'ioredis';
import type { Broker, Replay } from '../server/brokers/types';
import { connectRedis } from './connections';
import { Presence } from './presence';
import { StreamScripts, type KeyOf } from './scripts';
import { Subscriptions } from './subscriptions';
import { InvalidOptionsError } from '../protocol/errors';

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
   * Milliseconds a stream's history and position (its epoch and offset) are kept in
   * Redis after its last message: both keys expire together then, so streams nobody
   * publishes to any more leave nothing behind. A client away for longer resumes in the
   * stream's next epoch, with a gap notice. A stream that is only read (subscribed,
   * never published to) keeps its position this long from its first read.
   * @defaultValue 86400000 (one day)
   */
  historyTtl?: number;
  /**
   * Milliseconds a member stays in presence without being refreshed: a process that
   * dies disappears from presence within this time. Live processes refresh their members
   * every third of it.
   * @defaultValue 15000
   */
  presenceTtl?: number;
  /**
   * Told of what the broker had to skip or retry: a pub/sub payload that is not
   * rxwire's (another app publishing on the prefix), a listener that threw, a replay
   * after a lost subscriber connection that failed (it is retried). The other messages
   * and listeners go on either way.
   * @defaultValue undefined (skipped silently)
   */
  onError?: (error: unknown) => void;
}

/**
 * A broker on Redis, for many server processes behind a load balancer: messages
 * published on any process reach the subscribers on every process once, history and
 * stream positions (epoch and offset) live in Redis (so a client that reconnects to
 * another process recovers exactly what it missed), and presence is shared with a TTL.
 *
 * Needs Redis 6.2 or later (exclusive ranges in `XRANGE`).
 *
 * While Redis is unreachable, `publish` rejects (nothing is queued or lost silently),
 * client connections stay up, and subscriptions are restored when Redis returns. When
 * the subscriber connection alone drops and comes back (Redis closes pub/sub clients
 * that read too slowly, `CLIENT KILL TYPE pubsub`), each process replays from the
 * history, for every stream it listens to, what the link missed, before anything newer:
 * nothing is lost. If the history was lost meanwhile (a Redis restart without
 * persistence), listeners are told, and clients get a gap notice.
 *
 * Keys per stream: `<prefix>:pos:<stream>` (epoch and offset) and `<prefix>:h:<stream>`
 * (the history), both expiring `historyTtl` after the last message;
 * `<prefix>:m:<stream>` (presence), expiring `presenceTtl` after the last refresh.
 *
 * @throws {@link rxwire!InvalidOptionsError} when neither `url` nor `client` is given.
 *
 * @example
 * ```ts
 * import { redisBroker } from 'rxwire/redis';
 * const server = await createServer({ protocol: smartHome, port: 8080, broker: redisBroker({ url: process.env.REDIS_URL }) });
 * ```
 */
export function redisBroker(options: RedisBrokerOptions): Broker {
  const { prefix = 'rxwire', historySize = 1000, historyTtl = 86_400_000, presenceTtl = 15_000 } = options;
  if (!options.url && !options.client) throw new InvalidOptionsError('redisBroker needs a url or a client');
  const { commands, subscriber, ownsClient, ready } = connectRedis(options.url, options.client);
  const key: KeyOf = (kind, stream) => `${prefix}:${kind}:${stream}`;
  const streams = new StreamScripts(commands, key, historySize, historyTtl);
  // Runs in ioredis's event handlers: nothing may throw out of it (it would crash the process).
  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // The reporter's own failure has nowhere else to go.
    }
  };
  const subscriptions = new Subscriptions(subscriber, key('p', ''), ready, (stream, since) => streams.read(stream, since), report);
  const presence = new Presence(commands, key, presenceTtl, ready);

  return {
    async publish(stream, data) {
      await ready();
      return streams.publish(stream, data);
    },
    listen: (stream, message, lost) => subscriptions.listen(stream, message, lost),
    async replay(stream, since): Promise<Replay> {
      await ready();
      return streams.read(stream, since);
    },
    join: (stream, member) => presence.join(stream, member),
    leave: (stream, member) => presence.leave(stream, member),
    members: (stream) => presence.members(stream),
    async close() {
      subscriptions.closed = true;
      await presence.close();
      subscriptions.listeners.clear();
      subscriber.disconnect();
      if (ownsClient) commands.disconnect();
    },
  };
}
