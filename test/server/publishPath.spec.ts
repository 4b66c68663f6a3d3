import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { memoryBroker } from '../../src/server';
import { History } from '../../src/server/brokers/streamStore';
import type { BrokerMessage } from '../../src/server/brokers/types';
import { Publishing, isExactCodec } from '../../src/server/core/publishing';
import { msgFrame } from '../../src/server/core/delivery';
import { defineProtocol } from '../../src/protocol/defineProtocol';
import { ValidationError } from '../../src/protocol/errors';
import { canonicalParams } from '../../src/protocol/canonical';
import { check } from '../../src/protocol/validate';
import { channelKey } from '../../src/internal/stableKey';

// The publish path's shortcuts (issue 16) against the general path they stand in for:
// the listeners' snapshot, the history ring, `is` for exact codecs, flat stream keys,
// and the frame cache.

describe('memoryBroker delivery while listeners change', () => {
  it('a listener removed by another during a delivery still gets that message (the listeners of the moment), and none after', async () => {
    const broker = memoryBroker({ epoch: () => 'E' });
    const got: string[] = [];
    let stopB: () => void = () => undefined;
    await broker.listen('s', (m) => {
      got.push(`a${m.offset}`);
      stopB();
    });
    stopB = await broker.listen('s', (m) => got.push(`b${m.offset}`));
    await broker.listen('s', (m) => got.push(`c${m.offset}`));
    await broker.publish('s', 1);
    await broker.publish('s', 2);
    expect(got).toEqual(['a1', 'b1', 'c1', 'a2', 'c2']);
  });

  it('a listener that removes itself during a delivery gets nothing after it, and the others go on', async () => {
    const broker = memoryBroker({ epoch: () => 'E' });
    const got: string[] = [];
    const stop: Array<() => void> = [];
    stop.push(await broker.listen('s', (m) => (got.push(`a${m.offset}`), stop[0]!())));
    await broker.listen('s', (m) => got.push(`b${m.offset}`));
    for (let i = 1; i <= 3; i++) await broker.publish('s', i);
    expect(got).toEqual(['a1', 'b1', 'b2', 'b3']);
  });

  it('a listener added during a delivery does not get the message being delivered, and gets the next', async () => {
    const broker = memoryBroker({ epoch: () => 'E' });
    const got: string[] = [];
    let added = false;
    await broker.listen('s', (m) => {
      got.push(`a${m.offset}`);
      if (!added) {
        added = true;
        void broker.listen('s', (n) => got.push(`late${n.offset}`));
      }
    });
    await broker.publish('s', 1);
    await broker.publish('s', 2);
    expect(got).toEqual(['a1', 'a2', 'late2']);
  });

  it('delivers to all of 10,000 listeners, in the order they came, and to the rest after some left', async () => {
    const broker = memoryBroker({ epoch: () => 'E' });
    const got: number[] = [];
    const stops = await Promise.all(Array.from({ length: 10_000 }, (_, i) => broker.listen('s', () => got.push(i))));
    await broker.publish('s', 'x');
    expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    got.length = 0;
    for (let i = 0; i < 10_000; i += 2) stops[i]!();
    await broker.publish('s', 'y');
    expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => 2 * i + 1));
  });
});

describe('History (the memory broker ring)', () => {
  const m = (offset: number): BrokerMessage => ({ epoch: 'E', offset, data: offset });
  const offsets = (h: History) => h.toArray().map((x) => x.offset);

  it('keeps the last `size` messages, oldest first, however many came', () => {
    const h = new History(5);
    for (let i = 1; i <= 3; i++) h.push(m(i), i);
    expect(offsets(h)).toEqual([1, 2, 3]);
    for (let i = 4; i <= 23; i++) h.push(m(i), i);
    expect(offsets(h)).toEqual([19, 20, 21, 22, 23]);
    expect(h.length).toBe(5);
  });

  it('expires by time from the oldest, wherever the ring starts, then grows again to `size`', () => {
    const h = new History(4);
    for (let i = 1; i <= 3; i++) h.push(m(i), i * 10); // not full: 3 of 4
    h.expire(25); // drops 1 and 2: the ring starts at index 2
    expect(offsets(h)).toEqual([3]);
    for (let i = 4; i <= 9; i++) h.push(m(i), i * 10);
    expect(offsets(h)).toEqual([6, 7, 8, 9]);
    h.expire(1000);
    expect(offsets(h)).toEqual([]);
    h.push(m(10), 1000);
    expect(offsets(h)).toEqual([10]);
  });

  it('expires by wall-clock times (counted from the first message internally) as by small ones', () => {
    const t0 = 1_764_500_000_000; // a Date.now() of 2025
    const h = new History(3);
    for (let i = 1; i <= 5; i++) h.push(m(i), t0 + i * 1000);
    expect(offsets(h)).toEqual([3, 4, 5]);
    h.expire(t0 + 4000); // 3 came at t0 + 3000: gone; 4 at exactly t0 + 4000: kept
    expect(offsets(h)).toEqual([4, 5]);
    h.push(m(6), t0 + 30 * 86_400_000); // 30 days later: past what fits in a small integer
    h.expire(t0 + 30 * 86_400_000 - 1);
    expect(offsets(h)).toEqual([6]);
    h.expire(t0 + 30 * 86_400_000);
    expect(offsets(h)).toEqual([6]);
    h.expire(t0 + 30 * 86_400_000 + 1);
    expect(offsets(h)).toEqual([]);
  });

  it('keeps nothing at size 0, and everything within the TTL at size Infinity', () => {
    const none = new History(0);
    none.push(m(1), 1);
    expect(offsets(none)).toEqual([]);
    const all = new History(Infinity);
    for (let i = 1; i <= 500; i++) all.push(m(i), i);
    all.expire(101);
    for (let i = 501; i <= 600; i++) all.push(m(i), i);
    expect(offsets(all)).toEqual(Array.from({ length: 500 }, (_, i) => i + 101));
  });

  it('matches a plain array trimmed by count and age, over a long random run', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (const size of [1, 2, 3, 10, 100]) {
      const h = new History(size);
      const plain: Array<{ message: BrokerMessage; at: number }> = [];
      let now = 0;
      for (let i = 1; i <= 3000; i++) {
        now += Math.floor(random() * 10);
        h.push(m(i), now);
        plain.push({ message: m(i), at: now });
        if (random() < 0.1) {
          const oldest = now - Math.floor(random() * 60);
          h.expire(oldest);
          while (plain.length > 0 && plain[0]!.at < oldest) plain.shift();
        }
        while (plain.length > size) plain.shift();
        expect(offsets(h)).toEqual(plain.map((x) => x.message.offset));
      }
    }
  });
});

describe('Publishing: validation and stream keys', () => {
  const Device = t.type({ id: t.string, temperature: t.number });
  const protocol = defineProtocol({
    channels: {
      device: { params: t.type({ id: t.string }), message: Device },
      room: { params: t.partial({ floor: t.union([t.number, t.null]), name: t.string, on: t.boolean }), message: t.type({ items: t.array(t.number) }) },
      nested: { params: t.type({ where: t.type({ x: t.number, y: t.number }), b: t.string }), message: t.unknown },
      none: { params: t.type({}), message: t.string },
      one: { params: t.partial({ k: t.union([t.number, t.string, t.boolean, t.null]) }), message: t.unknown },
    },
  });
  const publishing = new Publishing(protocol);
  const general = (channel: keyof typeof protocol.channels, params: unknown) => {
    const codec = protocol.channels[channel].params as t.Mixed;
    const result = check(codec, params);
    if (!result.ok) throw new Error(result.reason);
    return channelKey(channel, canonicalParams(codec, result.value));
  };

  it('is exact only for plain codecs without arrays', () => {
    expect(isExactCodec(Device)).toBe(true);
    expect(isExactCodec(t.partial({ a: t.union([t.number, t.null]), b: t.literal('x') }))).toBe(true);
    expect(isExactCodec(t.type({ items: t.array(t.number) }))).toBe(false); // `is` skips a sparse array's holes
    expect(isExactCodec(t.type({ at: new t.Type<Date, string, unknown>('D', (u): u is Date => u instanceof Date, (u, c) => t.failure(u, c), (d) => d.toISOString()) }))).toBe(false);
    expect(isExactCodec(t.exact(t.type({ a: t.string })))).toBe(false);
  });

  it('gives the stream key of the general path for every kind of params', () => {
    const cases: Array<[keyof typeof protocol.channels, unknown]> = [
      ['device', { id: 'oven-1' }],
      ['device', { id: 'oven-1', extra: 'ignored', more: { deep: 1 } }],
      ['device', { id: 'quotes "and" \\ \u0000 ünïcödé \ud83d\ude00' }],
      ['device', Object.assign(Object.create({ inherited: 1 }), { id: 'x' })],
      ['room', {}],
      ['room', { name: 'b', floor: 2, on: false }],
      ['room', { on: true, floor: null, name: 'a' }],
      ['room', { floor: NaN }],
      ['room', { floor: -0 }],
      ['room', { floor: Infinity, name: undefined }],
      ['room', { floor: 1e21, name: '' }],
      ['nested', { b: 'z', where: { y: 2, x: 1, z: 9 } }],
      ['none', {}],
      ['none', { anything: [1, 2] }],
    ];
    for (const [channel, params] of cases) expect(publishing.streamOf(channel, params)).toBe(general(channel, params));
  });

  it('keys params of one declared key by their value, read from the kept keys or not, as the general path does', () => {
    // Values a Map might confuse (SameValueZero) or JSON might write alike, each asked twice (made, then kept).
    const values: unknown[] = [0, -0, 1, '1', NaN, null, 'null', true, 'true', false, '', 1e21, Infinity, -Infinity, 'ü \u0000 "q"', undefined];
    for (let round = 0; round < 2; round++) {
      for (const k of values) expect(publishing.streamOf('one', { k })).toBe(general('one', { k }));
      expect(publishing.streamOf('one', {})).toBe(general('one', {}));
      expect(publishing.streamOf('one', Object.assign(Object.create({ k: 5 }), {}))).toBe(general('one', {}));
    }
    expect(publishing.streamOf('one', { k: 1 })).not.toBe(publishing.streamOf('one', { k: '1' }));
    // A getter is read once: the key is of the value validated.
    let reads = 0;
    const params = { get k(): number {
      reads += 1;
      return 7;
    } };
    expect(publishing.streamOf('one', params)).toBe(general('one', { k: 7 }));
    // Past the bound of kept keys (10,000): emptied and made again, still right.
    for (let i = 0; i < 10_050; i++) expect(publishing.streamOf('one', { k: i })).toBe(`one\u0000{"k":${i}}`);
    expect(publishing.streamOf('one', { k: 3 })).toBe(general('one', { k: 3 }));
    expect(reads).toBeGreaterThan(0);
  });

  it('refuses params and messages that fail their codec, with the reason decode gives, and channels not in the protocol', () => {
    expect(() => publishing.streamOf('device', { id: 1 })).toThrow(ValidationError);
    expect(() => publishing.streamOf('device', { id: 1 })).toThrow(/id: expected string, got 1/);
    expect(() => publishing.streamOf('room', { floor: 'high' })).toThrow(ValidationError);
    expect(() => publishing.streamOf('nope', {})).toThrow(/not in the protocol/);
    expect(() => publishing.encode('device', { id: 'x', temperature: 'hot' })).toThrow(/temperature: expected number, got "hot"/);
    expect(() => publishing.encode('device', null)).toThrow(ValidationError);
    expect(() => publishing.encode('nope', 1)).toThrow(/not in the protocol/);
    // Arrays take decode: a sparse array's hole fails, as it always did.
    // eslint-disable-next-line no-sparse-arrays
    expect(() => publishing.encode('room', { items: [1, , 3] })).toThrow(ValidationError);
    const throwing = { id: 'x', get temperature(): number {
      throw new Error('boom');
    } };
    expect(() => publishing.encode('device', throwing)).toThrow(/boom/);
    expect(publishing.encode('device', { id: 'x', temperature: 1 })).toEqual({ id: 'x', temperature: 1 });
  });
});

describe('msgFrame', () => {
  it('makes one frame per message and subscription id, shared by every call, and right for messages past the cache', () => {
    const messages = Array.from({ length: 100 }, (_, i): BrokerMessage => ({ epoch: 'E', offset: i + 1, data: { n: i } }));
    const first = messages.map((message) => [msgFrame(message, '1'), msgFrame(message, '2'), msgFrame(message, '1')] as const);
    for (const [a, b, again] of first) {
      expect(again).toBe(a);
      expect(b).not.toBe(a);
    }
    // Read again after the cache moved on: the same texts.
    messages.forEach((message, i) => {
      expect(msgFrame(message, '1').text).toBe(`{"type":"msg","id":"1","offset":${i + 1},"data":{"n":${i}}}`);
      expect(JSON.parse(msgFrame(message, '2').text)).toEqual({ type: 'msg', id: '2', offset: i + 1, data: { n: i } });
    });
  });

  it('tells messages apart by identity, not content, within the kept ones and after, for any id', () => {
    const a: BrokerMessage = { epoch: 'E', offset: 1, data: { n: 1 } };
    const b: BrokerMessage = { epoch: 'E', offset: 1, data: { n: 2 } };
    expect(msgFrame(a, '1').text).toBe('{"type":"msg","id":"1","offset":1,"data":{"n":1}}');
    expect(msgFrame(b, '1').text).toBe('{"type":"msg","id":"1","offset":1,"data":{"n":2}}');
    // An id that needs escaping, then back to the usual one.
    expect(JSON.parse(msgFrame(a, 'x"\\y').text)).toEqual({ type: 'msg', id: 'x"\\y', offset: 1, data: { n: 1 } });
    expect(msgFrame(a, '1').text).toBe('{"type":"msg","id":"1","offset":1,"data":{"n":1}}');
    // Data that JSON leaves out is sent as null.
    expect(msgFrame({ epoch: 'E', offset: 3, data: undefined }, '1').text).toBe('{"type":"msg","id":"1","offset":3,"data":null}');
    // Every shared text has its frame slot from the start, empty until a transport fills it.
    expect(Object.keys(msgFrame(b, '9'))).toEqual(['text', 'frame']);
    expect(msgFrame(b, '9').frame).toBeUndefined();
  });
});
