import { describe, expect, it } from 'vitest';
import { memoryBroker } from '../../src/server';

/** Epochs e1, e2, ... in the order streams are created. */
const counting = () => {
  let n = 0;
  return () => `e${++n}`;
};

describe('memoryBroker', () => {
  it('numbers a new stream in a random epoch from offset 1; another broker (a restarted process) uses another epoch', async () => {
    const first = await memoryBroker().publish('s', 'x');
    const again = await memoryBroker().publish('s', 'x');
    expect(first).toMatchObject({ offset: 1, data: 'x' });
    expect(first.epoch).toMatch(/^[\w-]{8}$/);
    expect(again.offset).toBe(1);
    expect(again.epoch).not.toBe(first.epoch);
  });

  it('numbers messages per stream from 1 and delivers them to that stream only', async () => {
    const broker = memoryBroker({ epoch: counting() });
    const a: string[] = [];
    const b: string[] = [];
    await broker.listen('a', (m) => a.push(`${m.epoch}:${m.offset}`));
    const stop = await broker.listen('b', (m) => b.push(`${m.epoch}:${m.offset}`));
    await broker.publish('a', 'x');
    await broker.publish('a', 'y');
    await broker.publish('b', 'z');
    stop();
    await broker.publish('b', 'w');
    expect(a).toEqual(['e1:1', 'e1:2']);
    expect(b).toEqual(['e2:1']);
  });

  it('delivers to every listener even when one of them throws', async () => {
    const broker = memoryBroker({ epoch: () => 'E' });
    const got: number[] = [];
    await broker.listen('s', () => {
      throw new Error('a broken listener');
    });
    await broker.listen('s', (m) => got.push(m.offset));
    await expect(broker.publish('s', 'x')).resolves.toEqual({ epoch: 'E', offset: 1, data: 'x' });
    expect(got).toEqual([1]);
  });

  it('replays exactly what was missed in the same epoch, and counts what the history no longer holds', async () => {
    const broker = memoryBroker({ historySize: 3, epoch: () => 'E' });
    for (let i = 1; i <= 6; i++) await broker.publish('s', i);
    const m = (n: number) => ({ epoch: 'E', offset: n, data: n });
    expect(await broker.replay('s', { epoch: 'E', offset: 4 })).toEqual({ epoch: 'E', offset: 6, messages: [m(5), m(6)] });
    expect(await broker.replay('s', { epoch: 'E', offset: 1 })).toEqual({ epoch: 'E', offset: 6, messages: [m(4), m(5), m(6)], lost: { epoch: 'E', from: 2, to: 3, count: 2 } });
    expect(await broker.replay('s', { epoch: 'E', offset: 6 })).toEqual({ epoch: 'E', offset: 6, messages: [] });
    // Beyond the stream: nothing to replay (the server refuses such a since).
    expect(await broker.replay('s', { epoch: 'E', offset: 9 })).toEqual({ epoch: 'E', offset: 6, messages: [] });
    expect(await broker.replay('s')).toEqual({ epoch: 'E', offset: 6, messages: [] });
    expect(await broker.replay('unknown', { epoch: 'E', offset: 0 })).toEqual({ epoch: 'E', offset: 0, messages: [] });
  });

  it('from another epoch, replays all the current epoch holds and reports a loss of unknown size', async () => {
    const broker = memoryBroker({ historySize: 3, epoch: () => 'NEW' });
    const m = (n: number) => ({ epoch: 'NEW', offset: n, data: n });
    expect(await broker.replay('s', { epoch: 'OLD', offset: 7 })).toEqual({ epoch: 'NEW', offset: 0, messages: [], lost: { epoch: 'NEW' } });
    for (let i = 1; i <= 2; i++) await broker.publish('s', i);
    expect(await broker.replay('s', { epoch: 'OLD', offset: 7 })).toEqual({ epoch: 'NEW', offset: 2, messages: [m(1), m(2)], lost: { epoch: 'NEW' } });
    for (let i = 3; i <= 5; i++) await broker.publish('s', i);
    // The new epoch's first two are gone too: said as a range, still of unknown total.
    expect(await broker.replay('s', { epoch: 'OLD', offset: 7 })).toEqual({ epoch: 'NEW', offset: 5, messages: [m(3), m(4), m(5)], lost: { epoch: 'NEW', from: 1, to: 2 } });
  });

  it('forgets messages older than historyTtl, and counts them as lost', async () => {
    let now = 0;
    const broker = memoryBroker({ historyTtl: 1000, now: () => now, epoch: () => 'E' });
    await broker.listen('s', () => undefined); // listened to: the stream itself stays
    await broker.publish('s', 'old');
    now = 600;
    await broker.publish('s', 'newer');
    now = 1200; // 'old' is 1200 ms old, 'newer' 600 ms
    expect(await broker.replay('s', { epoch: 'E', offset: 0 })).toEqual({
      epoch: 'E',
      offset: 2,
      messages: [{ epoch: 'E', offset: 2, data: 'newer' }],
      lost: { epoch: 'E', from: 1, to: 1, count: 1 },
    });
    now = 5000;
    expect(await broker.replay('s', { epoch: 'E', offset: 0 })).toEqual({ epoch: 'E', offset: 2, messages: [], lost: { epoch: 'E', from: 1, to: 2, count: 2 } });
  });

  it('keeps the epoch and offset of a stream left idle (no listeners, history empty) for historyTtl', async () => {
    let now = 0;
    const broker = memoryBroker({ historyTtl: 1000, now: () => now, epoch: counting() });
    // Never published to: the position a subscriber was told (e1, 0) outlives its listener.
    (await broker.listen('quiet', () => undefined))();
    now = 999;
    expect(await broker.replay('quiet', { epoch: 'e1', offset: 0 })).toEqual({ epoch: 'e1', offset: 0, messages: [] });
  });

  it('keeps the epoch and offset of a stream whose history expired while listened to, once it is left', async () => {
    let now = 0;
    const broker = memoryBroker({ historyTtl: 1000, now: () => now, epoch: counting() });
    const stop = await broker.listen('s', () => undefined);
    await broker.publish('s', 'a');
    await broker.publish('s', 'b');
    now = 1500; // both messages have expired
    stop(); // idle from 1500
    now = 2400;
    expect(await broker.replay('s', { epoch: 'e1', offset: 2 })).toEqual({ epoch: 'e1', offset: 2, messages: [] }); // resumed: nothing lost
    const back = await broker.listen('s', () => undefined);
    now = 50_000; // idle time does not count while listened to
    expect(await broker.replay('s', { epoch: 'e1', offset: 2 })).toEqual({ epoch: 'e1', offset: 2, messages: [] });
    await expect(broker.publish('s', 'c')).resolves.toMatchObject({ epoch: 'e1', offset: 3 });
    back();
  });

  it('keeps an idle stream with history whole for historyTtl after its last message or listener, then its position, then forgets it', async () => {
    let now = 0;
    const broker = memoryBroker({ historyTtl: 1000, now: () => now, epoch: counting() });
    const stop = await broker.listen('s', () => undefined);
    await broker.publish('s', 'a');
    now = 500;
    stop(); // idle from 500, its message still held
    now = 900;
    expect(await broker.replay('s', { epoch: 'e1', offset: 0 })).toEqual({ epoch: 'e1', offset: 1, messages: [{ epoch: 'e1', offset: 1, data: 'a' }] });
    now = 1501; // the message expired at 1000, the stream is reduced to its position at 1500
    expect(await broker.replay('s', { epoch: 'e1', offset: 0 })).toEqual({ epoch: 'e1', offset: 1, messages: [], lost: { epoch: 'e1', from: 1, to: 1, count: 1 } });
    now = 2600;
    await broker.replay('other'); // a call: the broker lets go of what is old enough
    now = 3700;
    expect(await broker.replay('s', { epoch: 'e1', offset: 1 })).toEqual({ epoch: 'e3', offset: 0, messages: [], lost: { epoch: 'e3' } });
  });

  it('keeps the position alone of an idle stream without history for historyTtl at least, then lets it go', async () => {
    let now = 0;
    const broker = memoryBroker({ historyTtl: 1000, now: () => now, epoch: counting() });
    (await broker.listen('a', () => undefined))(); // a: e1, idle from 0
    now = 900;
    (await broker.listen('b', () => undefined))(); // b: e2, idle from 900
    now = 1899;
    expect((await broker.replay('b', { epoch: 'e2', offset: 0 })).epoch).toBe('e2'); // read: kept again from 1899
    now = 3000; // two generations on: 'a' (left at 0) is gone, 'b' (read at 1899) is not
    expect((await broker.replay('a', { epoch: 'e1', offset: 0 })).epoch).toBe('e3');
    expect((await broker.replay('b', { epoch: 'e2', offset: 0 })).epoch).toBe('e2');
  });

  it('reduces idle streams to their positions one by one, oldest first, and lets those go, however many there are', async () => {
    let now = 0;
    const broker = memoryBroker({ historyTtl: 1000, now: () => now, epoch: counting() });
    for (let i = 0; i < 1000; i++) {
      now = i;
      await broker.publish(`s${i}`, i);
    }
    now = 1500; // s0..s499 are past their TTL: positions now; s500..s999 are whole
    expect(await broker.replay('s500', { epoch: 'e501', offset: 0 })).toMatchObject({ epoch: 'e501', messages: [{ offset: 1, data: 500 }] });
    now = 2600; // s500..s999 are positions now
    await broker.replay('probe');
    now = 3700; // two generations on: s0..s499 are gone; s501..s999 are not yet
    expect((await broker.replay('s0')).epoch).not.toBe('e1');
    expect((await broker.replay('s499')).epoch).not.toBe('e500');
    expect(await broker.replay('s999')).toEqual({ epoch: 'e1000', offset: 1, messages: [] });
  });
});
