import type * as t from 'io-ts';
import { lookup, type Protocol } from '../../protocol/defineProtocol';
import { ValidationError } from '../../protocol/errors';
import { check, isPlainCodec } from '../../protocol/validate';
import { canonicalParams } from '../../protocol/canonical';
import { channelKey } from '../../internal/stableKey';

/**
 * What `publish` needs of one channel, worked out once: its codecs and which shortcuts
 * give exactly what the general path gives.
 */
interface ChannelPlan {
  readonly params: t.Mixed;
  readonly message: t.Mixed;
  /** Whether `is` gives `decode`'s verdict on the params, whatever they are, and decoding would return them as they are. */
  readonly paramsExact: boolean;
  readonly messageExact: boolean;
  /** The declared keys of params of a plain `t.type` / `t.partial`, sorted as `stableKey` sorts them, each with its JSON; else undefined. */
  readonly keys: ReadonlyArray<readonly [name: string, json: string]> | undefined;
  /**
   * With one declared key: the stream keys made so far, by the key's value (a string,
   * number, boolean or null), so that a publish to a stream seen before builds no string
   * (and the broker's lookup hashes none). Emptied when it reaches KEYS_KEPT.
   */
  readonly single: Map<unknown, string> | undefined;
}

/** The most stream keys a channel of one declared key keeps (see `ChannelPlan.single`). */
const KEYS_KEPT = 10_000;

/**
 * Whether a codec's `is` gives the verdict of its `decode` on any value, and `decode`
 * returns the value itself: a plain codec (io-ts's own non-transforming codecs, see
 * `isPlainCodec`) without arrays. (`is` skips the holes of a sparse array, where `decode`
 * fails; nothing else sets them apart.) Such a codec validates a value with no
 * allocation, where `decode` makes a context and an `Either` per field.
 */
export function isExactCodec(codec: t.Mixed): boolean {
  return isPlainCodec(codec) && !hasArrays(codec);
}

function hasArrays(codec: t.Mixed): boolean {
  const c = codec as t.Mixed & { _tag?: string; type?: t.Mixed; types?: t.Mixed[]; props?: Record<string, t.Mixed> };
  if (c._tag === 'ArrayType' || c._tag === 'ReadonlyArrayType') return true;
  if (c.props) return Object.values(c.props).some(hasArrays);
  if (c.types) return c.types.some(hasArrays);
  return c.type !== undefined && hasArrays(c.type);
}

/** The keys of a plain `t.type` / `t.partial` params codec without arrays, sorted as `stableKey` sorts them. */
function sortedKeys(codec: t.Mixed, exact: boolean): ChannelPlan['keys'] {
  const c = codec as t.Mixed & { _tag?: string; props?: Record<string, t.Mixed> };
  if (!exact || (c._tag !== 'InterfaceType' && c._tag !== 'PartialType') || !c.props) return undefined;
  const names = Object.keys(c.props);
  // An assignment to "__proto__" sets a prototype, not a key: the general path handles it.
  if (names.includes('__proto__')) return undefined;
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((name) => [name, JSON.stringify(name)] as const);
}

/** `value` checked by `codec`, decoded; a `ValidationError` saying `what` failed otherwise. */
export function checked(codec: t.Mixed | undefined, value: unknown, what: string): unknown {
  if (!codec) throw new ValidationError(what, 'not in the protocol');
  const result = check(codec, value);
  if (!result.ok) throw new ValidationError(what, result.reason);
  return result.value;
}

/** `checked`, by `is` first where `is` gives the same verdict (see {@link isExactCodec}). */
function checkedFast(codec: t.Mixed, exact: boolean, value: unknown, what: () => string): unknown {
  if (exact) {
    try {
      if (codec.is(value)) return value;
    } catch {
      // A getter that throws: the general path reports it.
    }
  }
  return checked(codec, value, what());
}

/**
 * The stream key of flat params (declared keys holding strings, numbers, booleans or
 * null), written directly: what `channelKey(channel, canonicalParams(codec, params))`
 * gives, without the copy, the encode and the sorting replacer. Undefined for anything
 * else (a nested value), which takes the general path.
 */
function flatKey(channel: string, keys: NonNullable<ChannelPlan['keys']>, params: unknown): string | undefined {
  const record = params as Record<string, unknown>;
  let text = `${channel}\u0000{`;
  let first = true;
  for (const [name, json] of keys) {
    if (!Object.prototype.hasOwnProperty.call(record, name)) continue;
    const value = record[name];
    if (value === undefined) continue; // JSON leaves it out
    if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    text += `${first ? '' : ','}${json}:${JSON.stringify(value)}`;
    first = false;
  }
  return `${text}}`;
}

/**
 * {@link flatKey} for params of one declared key, by way of the plan's kept keys. The
 * value is read once. (`Map` keys compare by SameValueZero: 0 and -0, which JSON writes
 * alike, share an entry; so do the NaNs; `1` and `"1"` do not.)
 */
function singleKey(channel: string, plan: ChannelPlan, params: unknown): string | undefined {
  const [name, json] = plan.keys![0]!;
  const record = params as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(record, name)) return flatKey(channel, plan.keys!, params);
  const value = record[name];
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return value === undefined ? `${channel}\u0000{}` : undefined; // JSON leaves undefined out; a nested value takes the general path
  }
  const cache = plan.single!;
  let key = cache.get(value);
  if (key === undefined) {
    key = `${channel}\u0000{${json}:${JSON.stringify(value)}}`;
    if (cache.size >= KEYS_KEPT) cache.clear();
    cache.set(value, key);
  }
  return key;
}

/**
 * The part of `publish` before the broker, per channel: params and message validated
 * by their codecs (every time: `is` where it is exact, `decode` otherwise), the stream
 * key as subscriptions make it, the message encoded.
 */
export class Publishing {
  private readonly plans = new Map<string, ChannelPlan>();
  /** The channel of the last plan found (a plan, once made, never changes). */
  private lastChannel: string | undefined = undefined;
  private lastPlan: ChannelPlan | undefined = undefined;

  constructor(private readonly protocol: Protocol) {}

  /** The stream of `channel` with `params`; a `ValidationError` for a channel not in the protocol or params that fail their codec. */
  streamOf(channel: string, params: unknown): string {
    const plan = this.plan(channel);
    if (!plan) throw new ValidationError(`params of channel "${channel}"`, 'not in the protocol');
    const decoded = checkedFast(plan.params, plan.paramsExact, params, () => `params of channel "${channel}"`);
    const key = plan.single !== undefined ? singleKey(channel, plan, decoded) : plan.keys && flatKey(channel, plan.keys, decoded);
    return key ?? channelKey(channel, canonicalParams(plan.params, decoded));
  }

  /** `message` validated and encoded by the channel's codec; a `ValidationError` otherwise. */
  encode(channel: string, message: unknown): unknown {
    const plan = this.plan(channel);
    if (!plan) throw new ValidationError(`message of channel "${channel}"`, 'not in the protocol');
    return plan.message.encode(checkedFast(plan.message, plan.messageExact, message, () => `message of channel "${channel}"`));
  }

  private plan(channel: string): ChannelPlan | undefined {
    // A publish asks twice (its stream, then its message), and a burst names one channel:
    // the last plan answers without a Map lookup.
    if (channel === this.lastChannel) return this.lastPlan;
    let plan = this.plans.get(channel);
    if (plan === undefined) {
      const definition = lookup(this.protocol.channels, channel);
      if (!definition) return undefined;
      const params = definition.params as t.Mixed;
      const message = definition.message as t.Mixed;
      const paramsExact = isExactCodec(params);
      const keys = sortedKeys(params, paramsExact);
      plan = { params, message, paramsExact, messageExact: isExactCodec(message), keys, single: keys?.length === 1 ? new Map() : undefined };
      this.plans.set(channel, plan);
    }
    this.lastChannel = channel;
    this.lastPlan = plan;
    return plan;
  }
}
