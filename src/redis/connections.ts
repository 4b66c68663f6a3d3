import { Redis, type RedisOptions } from 'ioredis';

/** The two connections a Redis broker uses, and when commands may be sent. */
export interface RedisConnections {
  /** Commands: scripts, presence. */
  readonly commands: Redis;
  /** Pub/sub only (a subscribed connection takes no other commands). */
  readonly subscriber: Redis;
  /** Whether the broker made `commands` itself, and so closes it. */
  readonly ownsClient: boolean;
  /** Until the first connection is made, a promise of it; afterwards undefined. */
  readonly ready: () => Promise<void> | undefined;
}

/** Opens (or duplicates) the command and subscriber connections. */
export function connectRedis(url: string | undefined, client: Redis | undefined): RedisConnections {
  // Fail fast while Redis is away: a publish must report its failure, not wait in a queue.
  const settings: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false };
  const commands = client ?? new Redis(url!, settings);
  // The broker resubscribes itself after a reconnect, so that it knows when the
  // subscriptions are back and can replay what was missed before anything newer.
  const subscriberSettings: RedisOptions = { ...settings, autoResubscribe: false };
  const subscriber = client ? client.duplicate(subscriberSettings) : new Redis(url!, subscriberSettings);
  // ioredis reports connection errors here while it retries; they must not crash the process.
  commands.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  return { commands, subscriber, ownsClient: !client, ready: firstConnectionOf(commands) };
}

// Until the first connection is made, commands wait for it (a server may start before
// Redis answers); after that, a lost connection fails them at once.
function firstConnectionOf(commands: Redis): () => Promise<void> | undefined {
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
  return () => (connectedOnce ? undefined : firstConnection);
}
