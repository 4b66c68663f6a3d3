import { Redis, type RedisOptions } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { replayOf } from '../server/brokers/replay';
import type { Broker, BrokerMessage, Loss, Replay, StreamPosition } from '../server/brokers/types';

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

// A stream's position is a hash { e: epoch, o: offset } beside its history (a Redis
// Stream whose entry ids are `<offset>-1`). A stream without a position (new, expired,
// or lost with a Redis that restarted without persistence) gets the epoch ARGV[2]
// proposed by the caller, and its history (what eviction may have left of it) goes.
// KEYS[1] = position, KEYS[2] = history; ARGV[1] = TTL in ms, ARGV[2] = a fresh epoch.
const POSITION = `
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[2]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end`;

// Numbers the message, appends it to the history and publishes it to every process in
// one atomic step, so that offsets are consecutive and in order across processes.
// KEYS[3] = pub/sub channel; ARGV[3] = the message, ARGV[4] = history size.
const PUBLISH = `${POSITION}
local offset = redis.call('HINCRBY', KEYS[1], 'o', 1)
-- Lua's default number format would write large numbers in exponent notation.
local text = string.format('%.0f', offset)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], text .. '-1', 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('PUBLISH', KEYS[3], epoch .. ' ' .. text .. ' ' .. ARGV[3])
return {epoch, offset}`;

// The current position and what the history holds after ARGV[4] in epoch ARGV[3] (all
// of it in another epoch), read atomically. ARGV[3] = '' reads the position only.
const REPLAY = `${POSITION}
local offset = tonumber(redis.call('HGET', KEYS[1], 'o'))
local entries = {}
if ARGV[3] ~= '' then
  if ARGV[3] ~= epoch then entries = redis.call('XRANGE', KEYS[2], '-', '+')
  elseif tonumber(ARGV[4]) < offset then entries = redis.call('XRANGE', KEYS[2], '(' .. ARGV[4] .. '-1', '+') end
end
return {epoch, offset, entries}`;

/** 48 random bits: the epoch proposed for a stream that has none. */
const freshEpoch = (): string => randomBytes(6).toString('base64url');

interface Listener {
  readonly message: (message: BrokerMessage) => void;
  readonly lost: ((loss: Loss) => void) | undefined;
}

/** This process's subscription to one stream, shared by its listeners. */
interface Listening {
  readonly set: Set<Listener>;
  subscribed: Promise<unknown>;
  /** The last position delivered (or read before subscribing): where a recovery replays from. */
  position: StreamPosition | undefined;
  /** Live messages held while a recovery replays what the lost link missed. */
  held: BrokerMessage[] | undefined;
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
 * @example
 * ```ts
 * import { redisBroker } from 'rxwire/redis';
 * const server = await createServer({ protocol: smartHome, port: 8080, broker: redisBroker({ url: process.env.REDIS_URL }) });
 * ```
 */
export function redisBroker(options: RedisBrokerOptions): Broker {
  const { prefix = 'rxwire', historySize = 1000, historyTtl = 86_400_000, presenceTtl = 15_000 } = options;
  if (!options.url && !options.client) throw new TypeError('redisBroker needs a url or a client');
  // PEXPIRE takes whole milliseconds, at least one.
  const ttl = String(Math.max(1, Math.ceil(historyTtl)));
  // Fail fast while Redis is away: a publish must report its failure, not wait in a queue.
  const settings: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false };
  const ownsClient = !options.client;
  const commands = options.client ?? new Redis(options.url!, settings);
  // This broker resubscribes itself after a reconnect, so that it knows when the
  // subscriptions are back and can replay what was missed before anything newer.
  const subscriberSettings: RedisOptions = { ...settings, autoResubscribe: false };
  const subscriber = options.client ? options.client.duplicate(subscriberSettings) : new Redis(options.url!, subscriberSettings);
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
  const listeners = new Map<string, Listening>();
  const processId = randomUUID();
  const mine = new Map<string, Set<string>>(); // this process's presence, refreshed while alive
  let closed = false;

  // Runs in ioredis's event handler: nothing may throw out of it (it would crash the process).
  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // The reporter's own failure has nowhere else to go.
    }
  };
  const deliver = (entry: Listening, message: BrokerMessage): void => {
    entry.position = message;
    for (const listener of [...entry.set]) {
      try {
        listener.message(message);
      } catch (error) {
        // One listener's failure must not keep the message from the others.
        report(error);
      }
    }
  };
  subscriber.on('message', (channel: string, payload: string) => {
    const stream = channel.slice(prefix.length + 3);
    const first = payload.indexOf(' ');
    const second = payload.indexOf(' ', first + 1);
    let message: BrokerMessage;
    try {
      message = { epoch: payload.slice(0, first), offset: Number(payload.slice(first + 1, second)), data: JSON.parse(payload.slice(second + 1)) };
    } catch (error) {
      return report(new Error(`skipped a payload on ${channel} that is not rxwire's: ${(error as Error).message}`, { cause: error }));
    }
    if (first <= 0 || second < 0 || !Number.isSafeInteger(message.offset)) return report(new Error(`skipped a payload on ${channel} without an epoch and offset`));
    const entry = listeners.get(stream);
    if (!entry) return;
    if (entry.held) return entry.held.push(message);
    // Redis orders messages per connection only: a message a recovery already read on
    // the command connection can still arrive here after it. It is not delivered twice.
    const at = entry.position;
    if (at !== undefined && message.epoch === at.epoch && message.offset <= at.offset) return;
    deliver(entry, message);
  });

  const read = async (stream: string, since: StreamPosition | undefined): Promise<Replay> => {
    const [epoch, offset, entries] = (await commands.eval(
      REPLAY,
      2,
      key('pos', stream),
      key('h', stream),
      ttl,
      freshEpoch(),
      since?.epoch ?? '',
      since === undefined ? '0' : String(since.offset),
    )) as [string, number, Array<[string, string[]]>];
    const held = entries.map(([id, fields]): BrokerMessage => ({ epoch, offset: Number(id.slice(0, id.indexOf('-'))), data: JSON.parse(fields[1]!) }));
    return replayOf({ epoch, offset }, since, held);
  };

  // The subscriber connection came back (after Redis restarted, or after Redis closed it
  // alone): resubscribe every stream, then replay for each what its listeners missed,
  // then what arrived meanwhile, each message once and in order.
  let link = 0;
  const recover = async (current: number): Promise<void> => {
    const entries = [...listeners];
    if (entries.length === 0) return;
    for (const [, entry] of entries) entry.held ??= [];
    try {
      await subscriber.subscribe(...entries.map(([stream]) => key('p', stream)));
    } catch (error) {
      // The link dropped again: its next 'ready' starts over, keeping what is held.
      return report(error);
    }
    await Promise.all(
      entries.map(async ([stream, entry]) => {
        for (let attempt = 0; ; attempt++) {
          if (current !== link || closed) return;
          if (listeners.get(stream) !== entry) {
            if (!listeners.has(stream)) subscriber.unsubscribe(key('p', stream)).catch(() => undefined);
            return;
          }
          try {
            const replay = await read(stream, entry.position);
            if (current !== link || listeners.get(stream) !== entry) continue;
            return resume(entry, replay);
          } catch (error) {
            // Redis is not answering commands yet: try again, held messages wait.
            report(error);
            await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)).unref());
          }
        }
      }),
    );
  };
  const resume = (entry: Listening, replay: Replay): void => {
    const held = entry.held ?? [];
    entry.held = undefined;
    if (replay.lost) {
      for (const listener of [...entry.set]) {
        try {
          listener.lost?.(replay.lost);
        } catch (error) {
          report(error);
        }
      }
    }
    for (const message of replay.messages) deliver(entry, message);
    entry.position = { epoch: replay.epoch, offset: replay.offset };
    for (const message of held) if (message.epoch !== replay.epoch || message.offset > replay.offset) deliver(entry, message);
  };
  subscriber.on('ready', () => void recover(++link));

  const stamp = (member: string) => `${processId} ${member}`;
  const present = (stream: string, member: string) =>
    commands.multi().zadd(key('m', stream), Date.now() + presenceTtl, stamp(member)).pexpire(key('m', stream), presenceTtl).exec();
  const refresh = setInterval(() => {
    for (const [stream, members] of mine) {
      for (const member of members) present(stream, member).catch(() => undefined);
    }
  }, presenceTtl / 3);
  refresh.unref();

  return {
    async publish(stream, data) {
      await ready();
      const [epoch, offset] = (await commands.eval(
        PUBLISH,
        3,
        key('pos', stream),
        key('h', stream),
        key('p', stream),
        ttl,
        freshEpoch(),
        JSON.stringify(data) ?? 'null',
        historySize,
      )) as [string, number];
      return { epoch, offset, data };
    },
    async listen(stream, message, lost) {
      let entry = listeners.get(stream);
      if (!entry) {
        const created: Listening = { set: new Set(), subscribed: Promise.resolve(), position: undefined, held: undefined };
        // The position is read before subscribing: a recovery may then replay a message
        // the listeners also got otherwise (servers drop it by its offset), never skip one.
        created.subscribed = (async () => {
          await ready();
          const at = await read(stream, undefined);
          created.position ??= { epoch: at.epoch, offset: at.offset };
          await subscriber.subscribe(key('p', stream));
        })();
        listeners.set(stream, (entry = created));
      }
      const shared = entry;
      const listener: Listener = { message, lost };
      shared.set.add(listener);
      const stop = () => {
        shared.set.delete(listener);
        if (shared.set.size === 0 && listeners.get(stream) === shared) {
          listeners.delete(stream);
          subscriber.unsubscribe(key('p', stream)).catch(() => undefined);
        }
      };
      try {
        await shared.subscribed; // live from here on: no hole before the replay that follows
      } catch (error) {
        stop();
        throw error;
      }
      return stop;
    },
    async replay(stream, since): Promise<Replay> {
      await ready();
      return read(stream, since);
    },
    async join(stream, member) {
      let set = mine.get(stream);
      if (!set) mine.set(stream, (set = new Set()));
      set.add(member);
      await ready();
      await present(stream, member);
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
      closed = true;
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
