import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisBroker } from '../../src/redis/index';
import type { Broker, BrokerMessage, Loss } from '../../src/server';
import { hasRedis, TestRedis } from '../support/redis';
import { waitFor } from '../support/wsServer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let streams = 0;
/** A stream of its own for each use, so that nothing left by another test can count. */
const fresh = () => `stream-${++streams}`;

describe.skipIf(!hasRedis)('redisBroker on a real Redis', () => {
  let redis: TestRedis;
  let admin: Redis;
  const brokers: Broker[] = [];
  const broker = (options: Parameters<typeof redisBroker>[0] = {}) => {
    const b = redisBroker({ url: redis.url, ...options });
    brokers.push(b);
    return b;
  };
  /** The number of subscriber (pub/sub) connections Redis has. */
  const subscribers = async () => String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n').filter((l) => l.trim()).length;

  beforeAll(async () => {
    redis = await TestRedis.start();
    admin = new Redis(redis.url);
  }, 30_000);
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.close();
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it('numbers a stream in one epoch from offset 1, across processes', async () => {
    const s = fresh();
    const [one, two] = [broker(), broker()];
    const first = await one.publish(s, 'a');
    const second = await two.publish(s, 'b');
    expect(first).toEqual({ epoch: expect.stringMatching(/^[\w-]{8}$/), offset: 1, data: 'a' });
    expect(second).toEqual({ epoch: first.epoch, offset: 2, data: 'b' });
  });

  it('replays exactly what was missed in the same epoch, counts what the history lost, and reports another epoch as a loss of unknown size', async () => {
    const s = fresh();
    const b = broker({ historySize: 3 });
    let epoch = '';
    for (let i = 1; i <= 6; i++) epoch = (await b.publish(s, i)).epoch;
    const m = (n: number) => ({ epoch, offset: n, data: n });
    expect(await b.replay(s, { epoch, offset: 4 })).toEqual({ epoch, offset: 6, messages: [m(5), m(6)] });
    expect(await b.replay(s, { epoch, offset: 1 })).toEqual({ epoch, offset: 6, messages: [m(4), m(5), m(6)], lost: { epoch, from: 2, to: 3, count: 2 } });
    expect(await b.replay(s, { epoch, offset: 6 })).toEqual({ epoch, offset: 6, messages: [] });
    expect(await b.replay(s)).toEqual({ epoch, offset: 6, messages: [] });
    expect(await b.replay(s, { epoch: 'gone', offset: 9 })).toEqual({ epoch, offset: 6, messages: [m(4), m(5), m(6)], lost: { epoch, from: 1, to: 3 } });
  });

  it('keeps a stream that is only read in one epoch until its first message', async () => {
    const s = fresh();
    const b = broker();
    const before = await b.replay(s);
    expect(before).toEqual({ epoch: expect.any(String), offset: 0, messages: [] });
    expect((await b.publish(s, 'x')).epoch).toBe(before.epoch);
    expect(await b.replay(s, { epoch: before.epoch, offset: 0 })).toEqual({ epoch: before.epoch, offset: 1, messages: [{ epoch: before.epoch, offset: 1, data: 'x' }] });
  });

  it('lets the history and the position of a stream expire together, historyTtl after its last message', async () => {
    const s = fresh();
    const b = broker({ historyTtl: 300 });
    const first = await b.publish(s, 'a');
    const keys = [`rxwire:pos:${s}`, `rxwire:h:${s}`];
    for (const key of keys) expect(await admin.pttl(key)).toBeGreaterThan(0);
    for (const key of keys) expect(await admin.pttl(key)).toBeLessThanOrEqual(300);
    await sleep(400);
    expect(await admin.exists(...keys)).toBe(0);
    const after = await b.replay(s, { epoch: first.epoch, offset: 1 });
    expect(after.epoch).not.toBe(first.epoch);
    expect(after).toEqual({ epoch: after.epoch, offset: 0, messages: [], lost: { epoch: after.epoch } });
  });

  it('tells a live listener of nothing lost when the epoch changes under it: it had every message of the old one', async () => {
    const s = fresh();
    const b = broker({ historyTtl: 200 });
    const got: BrokerMessage[] = [];
    const losses: Loss[] = [];
    await b.listen(s, (m) => got.push(m), (l) => losses.push(l));
    await b.publish(s, 'old');
    await sleep(300); // expired
    await b.publish(s, 'new');
    await waitFor(() => got.length === 2, 5000, 'both messages');
    expect(got[1]).toMatchObject({ offset: 1, data: 'new' });
    expect(got[1]!.epoch).not.toBe(got[0]!.epoch);
    expect(losses).toEqual([]);
  });

  it('replays, after its subscriber connection was closed by Redis, what the listeners missed: each message once, in order', async () => {
    const s = fresh();
    const listening = broker();
    const publishing = broker();
    const got: number[] = [];
    const losses: Loss[] = [];
    await listening.listen(s, (m) => got.push(m.offset), (l) => losses.push(l));
    await listening.listen(s, () => undefined); // a second listener shares the subscription
    await waitFor(async () => (await subscribers()) === 1, 5000, 'the subscriber connection');
    let published = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) published = (await publishing.publish(s, i)).offset;
      expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBe(1);
      for (let i = 0; i < 20; i++) published = (await publishing.publish(s, i)).offset; // while the link is down
      await waitFor(async () => (await subscribers()) === 1, 5000, 'the subscriber connection back');
    }
    await waitFor(() => got.length >= published, 5000, 'every message');
    await sleep(50);
    expect(got).toEqual(Array.from({ length: published }, (_, i) => i + 1));
    expect(losses).toEqual([]);
  });

  it('does not deliver twice a message that reaches the subscriber link after a recovery read it (Redis orders per connection only)', async () => {
    const s = fresh();
    const listening = broker();
    const got: BrokerMessage[] = [];
    await listening.listen(s, (m) => got.push(m));
    await waitFor(async () => (await subscribers()) === 1, 5000, 'the subscriber connection');
    const first = await listening.publish(s, 'one');
    await listening.publish(s, 'two');
    await waitFor(() => got.length === 2, 5000, 'two messages');
    // What a late copy of offset 2 looks like on the link (the broker's pub/sub payload).
    await admin.publish(`rxwire:p:${s}`, `${first.epoch} 2 "two"`);
    await admin.publish(`rxwire:p:${s}`, `${first.epoch} 1 "one"`);
    const third = await listening.publish(s, 'three');
    await waitFor(() => got.length >= 3, 5000, 'the third message');
    await sleep(50);
    expect(got.map((m) => [m.offset, m.data])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [third.offset, 'three'],
    ]);
  });

  it('tells the listeners of a loss of unknown size when Redis lost the history while their link was down', async () => {
    const s = fresh();
    const listening = broker();
    const got: BrokerMessage[] = [];
    const losses: Loss[] = [];
    await listening.listen(s, (m) => got.push(m), (l) => losses.push(l));
    await waitFor(async () => (await subscribers()) === 1, 5000, 'the subscriber connection');
    const old = await listening.publish(s, 'old');
    await waitFor(() => got.length === 1, 5000, 'the first message');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await admin.flushall(); // what a restart without persistence does
    await waitFor(() => losses.length === 1, 5000, 'the loss');
    expect(losses[0]!.epoch).not.toBe(old.epoch);
    expect(losses).toEqual([{ epoch: losses[0]!.epoch }]);
    const next = await listening.publish(s, 'new');
    expect(next).toMatchObject({ epoch: losses[0]!.epoch, offset: 1 });
    await waitFor(() => got.length === 2, 5000, 'the message after the loss');
    expect(got[1]).toEqual(next);
  });
});
