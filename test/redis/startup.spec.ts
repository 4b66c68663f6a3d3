import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Subscriptions } from '../../src/redis/subscriptions';
import type { Replay, StreamPosition } from '../../src/server/brokers/types';

/** A subscriber connection that connects when told to, and records its subscriptions. */
class FakeSubscriber extends EventEmitter {
  readonly channels: string[] = [];
  async subscribe(...channels: string[]): Promise<number> {
    this.channels.push(...channels);
    return this.channels.length;
  }
  async unsubscribe(): Promise<number> {
    return 0;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the Redis broker starting up', () => {
  it("waits for the command connection before its subscriber link's first recovery reads, instead of failing and reporting", async () => {
    let commandsUp = false;
    let connect!: () => void;
    const firstConnection = new Promise<void>((resolve) => (connect = resolve)).then(() => void (commandsUp = true));
    const reads: Array<StreamPosition | undefined> = [];
    const reported: unknown[] = [];
    const read = async (_stream: string, since: StreamPosition | undefined): Promise<Replay> => {
      // What ioredis does with enableOfflineQueue off before the connection is up.
      if (!commandsUp) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      reads.push(since);
      return { epoch: 'E', offset: 0, messages: [] };
    };
    const subscriber = new FakeSubscriber();
    const subscriptions = new Subscriptions(subscriber as unknown as Redis, 'p:', () => (commandsUp ? undefined : firstConnection), read, (e) => reported.push(e));
    const listening = subscriptions.listen('s', () => undefined, undefined);
    // The subscriber link is up first: its recovery must not read yet.
    subscriber.emit('ready');
    await tick();
    expect(reads).toEqual([]);
    connect();
    await listening;
    await tick();
    expect(reported).toEqual([]);
    expect(reads.length).toBeGreaterThan(0);
    expect(subscriber.channels).toContain('p:s');
  });
});
