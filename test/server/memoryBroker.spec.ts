import { describe, expect, it } from 'vitest';
import { memoryBroker } from '../../src/server';

describe('memoryBroker', () => {
  it('starts a new stream above anything an earlier process numbered, by default from the clock', async () => {
    const before = Date.now() * 1000;
    const first = await memoryBroker().publish('s', 'x');
    expect(first.seq).toBeGreaterThan(before);
    expect(first.seq).toBeLessThanOrEqual(Date.now() * 1000 + 1);
  });

  it('numbers messages per stream from 1 and delivers them to that stream only', async () => {
    const broker = memoryBroker({ epoch: () => 0 });
    const a: number[] = [];
    const b: number[] = [];
    await broker.listen('a', (m) => a.push(m.seq));
    const stop = await broker.listen('b', (m) => b.push(m.seq));
    await broker.publish('a', 'x');
    await broker.publish('a', 'y');
    await broker.publish('b', 'z');
    stop();
    await broker.publish('b', 'w');
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([1]);
  });

  it('delivers to every listener even when one of them throws', async () => {
    const broker = memoryBroker({ epoch: () => 0 });
    const got: number[] = [];
    await broker.listen('s', () => {
      throw new Error('a broken listener');
    });
    await broker.listen('s', (m) => got.push(m.seq));
    await expect(broker.publish('s', 'x')).resolves.toEqual({ seq: 1, data: 'x' });
    expect(got).toEqual([1]);
  });

  it('replays what it holds after `since`, and reports the range it no longer holds by count', async () => {
    const broker = memoryBroker({ historySize: 3, epoch: () => 0 });
    for (let i = 1; i <= 6; i++) await broker.publish('s', i);
    expect(await broker.replay('s', 4)).toEqual({ seq: 6, messages: [{ seq: 5, data: 5 }, { seq: 6, data: 6 }] });
    expect(await broker.replay('s', 1)).toEqual({ seq: 6, messages: [4, 5, 6].map((n) => ({ seq: n, data: n })), lost: { from: 2, to: 3 } });
    expect(await broker.replay('s', 6)).toEqual({ seq: 6, messages: [] });
    expect(await broker.replay('s')).toEqual({ seq: 6, messages: [] });
    expect(await broker.replay('unknown', 3)).toEqual({ seq: 0, messages: [] });
  });

  it('forgets messages older than historyTtl', async () => {
    let now = 0;
    const broker = memoryBroker({ historyTtl: 1000, now: () => now, epoch: () => 0 });
    await broker.publish('s', 'old');
    now = 600;
    await broker.publish('s', 'newer');
    now = 1200; // 'old' is 1200 ms old, 'newer' 600 ms
    expect(await broker.replay('s', 0)).toEqual({ seq: 2, messages: [{ seq: 2, data: 'newer' }], lost: { from: 1, to: 1 } });
    now = 5000;
    expect(await broker.replay('s', 0)).toEqual({ seq: 2, messages: [], lost: { from: 1, to: 2 } });
  });
});
