import type { Sink } from '../internal/directObservable';
import type * as t from 'io-ts';
import type { Inbound, WireAdapter, WireSubscription } from '../protocol/adapter';
import type { StreamPosition } from '../protocol/position';
import { DecodeError, SubscriptionError } from '../protocol/errors';
import { check, isPlainCodec } from '../protocol/validate';

/**
 * A notice that messages of a channel were lost and cannot be replayed: refetch what
 * you need. One notice per loss; never one when nothing was lost.
 *
 * Within one epoch (the client was away longer than the server's history reaches),
 * `from`..`to` are the offsets lost and `lost` is how many. When the stream's epoch
 * changed (its history was lost: a new stream, a server restart without persistence,
 * history expired), `epoch` is the new one and `lost` is undefined: nobody can say how
 * many messages the old epoch still had; `from`..`to`, if present, are offsets of the
 * new epoch that are gone too.
 *
 * @example
 * ```ts
 * client.gaps$.subscribe((gap) => {
 *   console.warn(`${gap.channel}: ${gap.lost ?? 'an unknown number of'} messages lost`);
 *   refetch(gap.channel, gap.params);
 * });
 * ```
 */
export interface GapNotice {
  /** The channel's name. */
  readonly channel: string;
  /** The channel's parameters. */
  readonly params: unknown;
  /** The stream's epoch after the loss: the messages that follow belong to it. */
  readonly epoch: string;
  /** How many messages were lost, when that is known. */
  readonly lost?: number;
  /** The first offset of `epoch` lost, when the loss lies in it. */
  readonly from?: number;
  /** The last offset of `epoch` lost, when the loss lies in it. */
  readonly to?: number;
}

type MessageFrame = Extract<Inbound, { kind: 'message' }>;

/**
 * One live wire subscription: a distinct (channel, params), however many observers
 * share it. It is its own route target, so that routing needs no closure per channel.
 */
export class ChannelEntry {
  // The fields a delivery reads come first, so that they share the object's first cache
  // line (V8 lays fields out in the order they are first assigned): with thousands of
  // channels, each message touches a different entry, and every line touched is a miss.
  // The observers of this (channel, params). One is the common case, kept in a field
  // of its own so that delivery touches one object less; more go in `others`.
  private first: Sink<unknown> | undefined;
  private others: Array<Sink<unknown>> | undefined = undefined;
  /** The stream's epoch as last seen, kept across reconnects for `since`. */
  epoch: string | undefined = undefined;
  /** The offset of the last message delivered in `epoch` (or the stream's when first subscribed). */
  offset: number | undefined = undefined;
  /** A resubscribe found a new epoch and no `gap` has told of the loss yet. */
  untold = false;
  /** Whether the codec is plain, so that `is` can stand in for `decode` (see `isPlainCodec`). */
  readonly asIs: boolean;
  readonly codec: t.Mixed;
  private readonly registry: ChannelRegistry;
  /** The subscription id on the current connection, if it was subscribed on it. */
  wireId: string | undefined = undefined;
  /** The routing key on the current connection. */
  key: string | undefined = undefined;
  readonly channel: string;
  readonly params: unknown;
  readonly wireParams: unknown;

  constructor(registry: ChannelRegistry, channel: string, params: unknown, wireParams: unknown, codec: t.Mixed, first: Sink<unknown>) {
    this.first = first;
    this.asIs = isPlainCodec(codec);
    this.codec = codec;
    this.registry = registry;
    this.channel = channel;
    this.params = params;
    this.wireParams = wireParams;
  }

  /** Whether anyone observes this channel. */
  get observed(): boolean {
    return this.first !== undefined;
  }

  /** Adds an observer. */
  observe(observer: Sink<unknown>): void {
    if (this.first === undefined) this.first = observer;
    else (this.others ??= []).push(observer);
  }

  /** Removes an observer. */
  unobserve(observer: Sink<unknown>): void {
    if (this.first === observer) this.first = this.others?.shift();
    else if (this.others) {
      const index = this.others.indexOf(observer);
      if (index >= 0) this.others.splice(index, 1);
    }
  }

  /** Calls `each` for every observer, on a copy of the list (observers may leave meanwhile). */
  forEach(each: (observer: Sink<unknown>) => void): void {
    const all = this.first === undefined ? [] : [this.first, ...(this.others ?? [])];
    for (const observer of all) each(observer);
  }

  /** Delivers a decoded message to every observer. */
  emit(value: unknown): void {
    if (this.others === undefined || this.others.length === 0) this.first?.next(value);
    else this.forEach((observer) => observer.next(value));
  }

  /** Receives a message frame routed to this channel. */
  next(frame: Inbound): void {
    this.registry.deliver(this, frame as MessageFrame);
  }

  /** The position to resume from, once the stream's epoch and an offset are known. */
  get position(): StreamPosition | undefined {
    return this.epoch === undefined || this.offset === undefined ? undefined : { epoch: this.epoch, offset: this.offset };
  }

  /** The wire subscription on the current connection. */
  wire(id: string, since?: StreamPosition): WireSubscription {
    return since === undefined
      ? { id, channel: this.channel, params: this.wireParams }
      : { id, channel: this.channel, params: this.wireParams, since };
  }
}

/** What the registry needs from its client. */
export interface ChannelIo {
  /** Sends a control frame if the socket is open; returns whether it was sent. */
  sendControl(frame: unknown): boolean;
  isOpen(): boolean;
  nextId(): string;
  onDecodeError(error: DecodeError): void;
  onDuplicate(): void;
  onGap(notice: GapNotice): void;
}

/**
 * The client's live channels: subscribes each on the wire exactly once per connection,
 * with the last position seen, routes inbound messages to them by one map lookup, drops
 * replayed duplicates by offset, and turns losses into exactly one gap notice each.
 */
export class ChannelRegistry {
  /** The live channels by routing key, for the `route` operator. */
  readonly routes = new Map<string, ChannelEntry>();
  private readonly entries = new Set<ChannelEntry>();

  constructor(
    private readonly adapter: WireAdapter,
    private readonly io: ChannelIo,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(entry: ChannelEntry): void {
    this.entries.add(entry);
    if (this.io.isOpen()) this.subscribeOnWire(entry);
  }

  remove(entry: ChannelEntry): void {
    if (!this.entries.delete(entry)) return;
    const id = entry.wireId;
    this.forget(entry);
    // An entry left while offline was never subscribed on this connection: nothing to undo.
    if (id !== undefined) this.io.sendControl(this.adapter.unsubscribe(entry.wire(id)));
  }

  /** The connection failed for good: every channel errors with `error`. */
  failAll(error: unknown): void {
    this.endAll((observer) => observer.error(error));
  }

  /** The client closed: every channel completes. */
  completeAll(): void {
    this.endAll((observer) => observer.complete());
  }

  private endAll(end: (observer: Sink<unknown>) => void): void {
    const entries = [...this.entries];
    this.entries.clear();
    for (const entry of entries) {
      this.forget(entry);
      entry.forEach(end);
    }
  }

  /** A connection opened: subscribe every live channel on it, once, with its last position. */
  onOpen(): void {
    for (const entry of this.entries) this.subscribeOnWire(entry);
  }

  /** The connection is gone: nothing routed under its ids may be delivered any more. */
  onClose(): void {
    for (const entry of this.entries) this.forget(entry);
  }

  /** Handles the control frames about subscriptions. Returns false for other frames. */
  handleControl(inbound: Inbound): boolean {
    if (inbound.kind !== 'subscribed' && inbound.kind !== 'subscription-error' && inbound.kind !== 'gap') return false;
    const entry = this.routes.get(inbound.key);
    if (!entry) return true; // about a subscription already left: nothing to do
    if (inbound.kind === 'subscribed') {
      if (inbound.epoch === undefined || inbound.offset === undefined) return true;
      if (entry.position === undefined) {
        // A first subscribe learns where the stream stands, so a later jump is detectable.
        entry.epoch = inbound.epoch;
        entry.offset = inbound.offset;
      } else if (inbound.epoch !== entry.epoch) {
        // Resumed into a new epoch: the server's `gap` follows and tells of the loss.
        entry.epoch = inbound.epoch;
        entry.offset = 0;
        entry.untold = true;
      }
    } else if (inbound.kind === 'gap') {
      entry.untold = false;
      entry.epoch = inbound.epoch;
      // With no range, the next message's offset is taken as it comes.
      entry.offset = inbound.to;
      if (inbound.lost === 0) return true; // nothing lost: not a gap
      this.gap(entry, inbound.epoch, inbound.from, inbound.to, inbound.lost);
    } else {
      this.entries.delete(entry);
      this.forget(entry);
      const error = new SubscriptionError(entry.channel, entry.params, inbound.error.code, inbound.error.message);
      entry.forEach((observer) => observer.error(error));
    }
    return true;
  }

  private subscribeOnWire(entry: ChannelEntry): void {
    if (entry.wireId !== undefined) return; // exactly once per connection
    const wire = entry.wire(this.io.nextId(), entry.position);
    const key = this.adapter.routeKey(wire);
    entry.wireId = wire.id;
    entry.key = key;
    this.routes.set(key, entry);
    this.io.sendControl(this.adapter.subscribe(wire));
  }

  private forget(entry: ChannelEntry): void {
    if (entry.key !== undefined) this.routes.delete(entry.key);
    entry.wireId = undefined;
    entry.key = undefined;
  }

  private gap(entry: ChannelEntry, epoch: string, from: number | undefined, to: number | undefined, lost: number | undefined): void {
    const notice: { -readonly [K in keyof GapNotice]: GapNotice[K] } = { channel: entry.channel, params: entry.params, epoch };
    if (lost !== undefined) notice.lost = lost;
    if (from !== undefined && to !== undefined) {
      notice.from = from;
      notice.to = to;
    }
    this.io.onGap(notice);
  }

  /** Delivers a message to its channel: dedupe and gap detection by offset, then validation. */
  deliver(entry: ChannelEntry, frame: MessageFrame): void {
    const offset = frame.offset;
    if (offset !== undefined) {
      const epoch = frame.epoch ?? entry.epoch;
      if (entry.untold) {
        // A server that did not say what the new epoch cost: still a loss, of unknown size.
        entry.untold = false;
        this.gap(entry, epoch ?? '', undefined, undefined, undefined);
      } else if (entry.epoch !== undefined && epoch !== entry.epoch) {
        // The first message of a new epoch, with no loss announced: the previous epoch
        // ended with what was delivered; only a hole at the start of the new one counts.
        if (offset > 1) this.gap(entry, epoch!, 1, offset - 1, offset - 1);
      } else if (entry.offset !== undefined) {
        if (offset <= entry.offset) {
          this.io.onDuplicate();
          return;
        }
        // A jump the server did not announce is still a loss: never skip it silently.
        if (offset > entry.offset + 1) this.gap(entry, epoch ?? '', entry.offset + 1, offset - 1, offset - 1 - entry.offset);
      }
      entry.epoch = epoch;
      entry.offset = offset;
    }
    const data = frame.data;
    if (entry.asIs && entry.codec.is(data)) return entry.emit(data);
    const checked = check(entry.codec, data);
    if (checked.ok) entry.emit(checked.value);
    else this.io.onDecodeError(new DecodeError(`message of channel "${entry.channel}": ${checked.reason}`, frame.data));
  }
}
