import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { map, take, toArray } from 'rxjs';
import { check, passesAsIs } from '../../src/protocol/validate';
import { createClient } from '../../src/client/createClient';
import { defineProtocol } from '../../src/protocol/defineProtocol';
import { DecodeError } from '../../src/protocol/errors';
import { createFakeWebSocket } from '../../src/testing';
import { testScheduler } from '../support/marbles';

// A codec that transforms: a number on the wire as a decimal string.
const NumberFromString = new t.Type<number, string, unknown>(
  'NumberFromString',
  (u): u is number => typeof u === 'number',
  (u, c) => (typeof u === 'string' && u.trim() !== '' && !Number.isNaN(Number(u)) ? t.success(Number(u)) : t.failure(u, c)),
  String,
);
const Plain = t.type({ id: t.string, readings: t.array(t.number), mode: t.union([t.literal('on'), t.literal('off')]) });
const Stripped = t.strict({ id: t.string });
const Transformed = t.type({ id: t.string, level: NumberFromString });

describe('check: the is() fast path for codecs that do not transform', () => {
  it('is taken only for codecs whose encode is the identity', () => {
    expect(passesAsIs(Plain, { id: 'a', readings: [1, 2], mode: 'on' })).toBe(true);
    expect(passesAsIs(Plain, { id: 'a', readings: [1, '2'], mode: 'on' })).toBe(false);
    expect(passesAsIs(Stripped, { id: 'a' })).toBe(false); // strict strips: decode it
    expect(passesAsIs(Transformed, { id: 'a', level: 3 })).toBe(false); // transforms: decode it
  });

  it('returns the very value for a plain codec, and the path-level reason when it fails', () => {
    const value = { id: 'a', readings: [1, 2, 3], mode: 'off' };
    const ok = check(Plain, value);
    expect(ok.ok && ok.value).toBe(value);
    expect(check(Plain, { id: 'a', readings: [1, 'x'], mode: 'on' })).toEqual({ ok: false, reason: 'readings.1: expected number, got "x"' });
  });

  it('still strips with a strict codec and still transforms with a transforming one', () => {
    expect(check(Stripped, { id: 'a', extra: 1 })).toEqual({ ok: true, value: { id: 'a' } });
    expect(check(Transformed, { id: 'a', level: '7' })).toEqual({ ok: true, value: { id: 'a', level: 7 } });
    // The decoded type would pass is(), but the wire must carry the encoded form.
    expect(check(Transformed, { id: 'a', level: 7 }).ok).toBe(false);
  });
});

describe('channel messages through the fast path', () => {
  const protocol = defineProtocol({
    channels: {
      plain: { params: t.type({ id: t.string }), message: Plain },
      strict: { params: t.type({ id: t.string }), message: Stripped },
      transformed: { params: t.type({ id: t.string }), message: Transformed },
    },
  });

  it('delivers plain messages as they came, strips and transforms the others, and reports every failure with its path', () => {
    testScheduler().run(({ expectObservable }) => {
      const kit = createFakeWebSocket();
      const client = createClient({ url: 'ws://test', WebSocketCtor: kit.WebSocketCtor, protocol, heartbeat: false });
      const msg = (id: string, seq: number, data: unknown) => ({ type: 'msg', id, seq, data });
      kit.script('-o-abcdef', {
        a: msg('1', 1, { id: 'p', readings: [1.5, 2], mode: 'on' }),
        b: msg('1', 2, { id: 'p', readings: [1, null], mode: 'on' }),
        c: msg('2', 1, { id: 's', extra: true }),
        d: msg('3', 1, { id: 't', level: '42' }),
        e: msg('3', 2, { id: 't', level: 42 }),
        f: msg('1', 3, { id: 'p', readings: [], mode: 'off' }),
      });
      expectObservable(client.channel('plain', { id: 'p' })).toBe('---a----f', {
        a: { id: 'p', readings: [1.5, 2], mode: 'on' },
        f: { id: 'p', readings: [], mode: 'off' },
      });
      expectObservable(client.channel('strict', { id: 's' })).toBe('-----c', { c: { id: 's' } });
      expectObservable(client.channel('transformed', { id: 't' })).toBe('------d', { d: { id: 't', level: 42 } });
      const reasons = client.errors$.pipe(
        take(2),
        map((error) => (error instanceof DecodeError ? error.message : 'not a DecodeError')),
        toArray(),
      );
      expectObservable(reasons).toBe('-------(r|)', {
        r: [
          'could not decode an inbound message: message of channel "plain": readings.1: expected number, got null',
          'could not decode an inbound message: message of channel "transformed": level: expected NumberFromString, got 42',
        ],
      });
    });
  });
});
