import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisBroker } from '../../src/redis';
import type { BrokerMessage } from '../../src/server';
import { hasRedis, TestRedis } from '../support/redis';
import { waitFor } from '../support/wsServer';

describe.skipIf(!hasRedis)('the Redis broker under payloads that are not its own', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => redis?.stop());

  it('skips a pub/sub payload that is not JSON and a listener that throws, reports both on onError, and goes on delivering', async () => {
    const reported: unknown[] = [];
    const broker = redisBroker({ url: redis.url, prefix: 'hostile', onError: (e) => reported.push(e) });
    const other = new Redis(redis.url);
    try {
      const seen: BrokerMessage[] = [];
      await broker.listen('s', () => {
        throw new Error('a broken listener');
      });
      await broker.listen('s', (message) => seen.push(message));
      // Another app publishing on the prefix, with what the broker cannot read.
      await other.publish('hostile:p:s', '1 {not json');
      await other.publish('hostile:p:s', 'garbage');
      await broker.publish('s', { n: 1 });
      await waitFor(() => seen.length === 1, 3000, 'the real message');
      expect(seen[0]!.data).toEqual({ n: 1 });
      // Two skipped payloads and one listener failure for the real message.
      expect(reported.map((e) => (e as Error).message)).toEqual([
        expect.stringContaining('not rxwire'),
        expect.stringContaining('not rxwire'),
        'a broken listener',
      ]);
    } finally {
      other.disconnect();
      await broker.close();
    }
  });
});
