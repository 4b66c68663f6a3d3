import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { map, take, toArray } from 'rxjs';
import { check, checkParsed, isPlainCodec, passesAsIs } from '../../src/protocol/validate';
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

// A custom codec whose validate normalizes, declaring t.identity as encode.
const Lower = new t.Type<string, string, unknown>('Lower', t.string.is, (u, c) => (typeof u === 'string' ? t.success(u.toLowerCase()) : t.failure(u, c)), t.identity);
// A custom codec whose is() is looser than its validate.
const Slug = new t.Type<string, string, unknown>('Slug', t.string.is, (u, c) => (typeof u === 'string' && /^[a-z-]+$/.test(u) ? t.success(u) : t.failure(u, c)), t.identity);

describe('checkParsed: the is() fast path for plain io-ts codecs', () => {
  it('is taken only for codecs built of io-ts\'s own non-transforming codecs', () => {
    expect(isPlainCodec(Plain)).toBe(true);
    expect(isPlainCodec(t.intersection([t.type({ n: t.number }), t.partial({ r: t.readonlyArray(t.Int) })]))).toBe(true);
    expect(isPlainCodec(t.brand(t.string, (s): s is t.Branded<string, { readonly Id: unique symbol }> => s.length > 0, 'Id'))).toBe(true);
    expect(isPlainCodec(Stripped)).toBe(false); // strict strips
    expect(isPlainCodec(Transformed)).toBe(false); // transforms
    expect(isPlainCodec(t.type({ email: Lower }))).toBe(false); // custom: may normalize
    expect(isPlainCodec(t.type({ slug: Slug }))).toBe(false); // custom: is may be looser
    expect(isPlainCodec(t.record(t.string, t.number))).toBe(false); // not covered: decode it
    expect(passesAsIs(Plain, { id: 'a', readings: [1, 2], mode: 'on' })).toBe(true);
    expect(passesAsIs(Plain, { id: 'a', readings: [1, '2'], mode: 'on' })).toBe(false);
  });

  it('returns the very value for a plain codec, and the path-level reason when it fails', () => {
    const value = { id: 'a', readings: [1, 2, 3], mode: 'off' };
    const ok = checkParsed(Plain, value);
    expect(ok.ok && ok.value).toBe(value);
    expect(checkParsed(Plain, { id: 'a', readings: [1, 'x'], mode: 'on' })).toEqual({ ok: false, reason: 'readings.1: expected number, got "x"' });
  });

  it('still strips, transforms, normalizes and applies the stricter validate of custom codecs', () => {
    expect(checkParsed(Stripped, { id: 'a', extra: 1 })).toEqual({ ok: true, value: { id: 'a' } });
    expect(checkParsed(Transformed, { id: 'a', level: '7' })).toEqual({ ok: true, value: { id: 'a', level: 7 } });
    // The decoded type would pass is(), but the wire must carry the encoded form.
    expect(checkParsed(Transformed, { id: 'a', level: 7 }).ok).toBe(false);
    expect(checkParsed(t.type({ email: Lower }), { email: 'A@B.C' })).toEqual({ ok: true, value: { email: 'a@b.c' } });
    expect(checkParsed(t.type({ slug: Slug }), { slug: 'Not A Slug' }).ok).toBe(false);
  });

  it('check, for values from application code, decodes always: a sparse array is refused', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    expect(t.array(t.number).is(sparse)).toBe(true); // why is() is kept to JSON, which has no holes
    expect(check(t.array(t.number), sparse).ok).toBe(false);
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
      const msg = (id: string, offset: number, data: unknown) => ({ type: 'msg', id, offset, data });
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
