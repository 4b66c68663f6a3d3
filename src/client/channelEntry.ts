import type * as t from 'io-ts';
import { callConsumer, directConsumer, type Sink, type SinkWatcher } from '../internal/directObservable';
import type { Inbound, WireSubscription } from '../protocol/adapter';
import type { StreamPosition } from '../protocol/position';
import { isPlainCodec } from '../protocol/validate';
import type { ChannelRegistry } from './channels';

/** An inbound message frame, routed to its channel. */
export type MessageFrame = Extract<Inbound, { kind: 'message' }>;

/** What the entries of one codec share: read on every message, one object for all of them. */
export interface ChannelKind {
  readonly codec: t.Mixed;
  /** Whether the codec is plain, so that `is` can stand in for `decode` (see `isPlainCodec`). */
  readonly asIs: boolean;
  readonly registry: ChannelRegistry;
}

/** The {@link ChannelKind} of `codec` in `registry`. */
export function channelKind(registry: ChannelRegistry, codec: t.Mixed): ChannelKind {
  return { codec, asIs: isPlainCodec(codec), registry };
}

/**
 * One live wire subscription: a distinct (channel, params), however many observers
 * share it. It is its own route target, so that routing needs no closure per channel.
 */
export class ChannelEntry implements SinkWatcher {
  // The fields a delivery reads come first, so that they share the object's first cache
  // line or two (V8 lays fields out in the order they are first assigned): with thousands
  // of channels, each message touches a different entry, and every line touched is a miss.
  // What a channel shares with the others of its codec is in `kind`, one object for all.
  /**
   * The consumer function of the only observer when it is a function subscriber of a
   * DirectObservable: called without reading its sink, one object less per message.
   */
  private direct: ((value: unknown) => void) | undefined;
  // The observers of this (channel, params). One is the common case, kept in a field
  // of its own so that delivery touches one object less; more go in `others`.
  private first: Sink<unknown> | undefined;
  /** The offset of the last message delivered in `epoch` (or the stream's when first subscribed). */
  offset: number | undefined = undefined;
  /** The stream's epoch as last seen, kept across reconnects for `since`. */
  epoch: string | undefined = undefined;
  /** A resubscribe found a new epoch and no `gap` has told of the loss yet. */
  untold = false;
  readonly kind: ChannelKind;
  private others: Array<Sink<unknown>> | undefined = undefined;
  /** The subscription id on the current connection, if it was subscribed on it. */
  wireId: string | undefined = undefined;
  /** The routing key on the current connection. */
  key: string | undefined = undefined;
  readonly channel: string;
  readonly params: unknown;
  readonly wireParams: unknown;

  constructor(kind: ChannelKind, channel: string, params: unknown, wireParams: unknown, first: Sink<unknown>) {
    this.direct = undefined;
    this.first = first;
    this.kind = kind;
    this.channel = channel;
    this.params = params;
    this.wireParams = wireParams;
    this.direct = directConsumer(first, this);
  }

  /** Whether anyone observes this channel. */
  get observed(): boolean {
    return this.first !== undefined;
  }

  /** Adds an observer. */
  observe(observer: Sink<unknown>): void {
    if (this.first === undefined) this.first = observer;
    else (this.others ??= []).push(observer);
    this.watch();
  }

  /** Removes an observer. */
  unobserve(observer: Sink<unknown>): void {
    if (this.first === observer) this.first = this.others?.shift();
    else if (this.others) {
      const index = this.others.indexOf(observer);
      if (index >= 0) this.others.splice(index, 1);
    }
    this.watch();
  }

  /** The direct path, while the only observer has one (see {@link direct}). */
  private watch(): void {
    this.direct = this.first !== undefined && (this.others === undefined || this.others.length === 0) ? directConsumer(this.first, this) : undefined;
  }

  /** The only observer stopped taking values: deliveries go through its sink again. */
  sinkStopped(): void {
    this.direct = undefined;
  }

  /** Calls `each` for every observer, on a copy of the list (observers may leave meanwhile). */
  forEach(each: (observer: Sink<unknown>) => void): void {
    const all = this.first === undefined ? [] : [this.first, ...(this.others ?? [])];
    for (const observer of all) each(observer);
  }

  /** Delivers a decoded message to every observer. */
  emit(value: unknown): void {
    const direct = this.direct;
    if (direct !== undefined) return callConsumer(direct, this.first!, value);
    if (this.others === undefined || this.others.length === 0) this.first?.next(value);
    else this.forEach((observer) => observer.next(value));
  }

  /** Receives a message frame routed to this channel. */
  next(frame: Inbound): void {
    const message = frame as MessageFrame;
    const offset = message.offset;
    const kind = this.kind;
    // The common case inline, the entry's own fields only: the next offset of the same
    // epoch, no error alongside, a plain codec's `is` passing. Anything else is the
    // registry's (which does it all again from the start, nothing having changed).
    if (
      offset !== undefined &&
      offset === this.offset! + 1 &&
      !this.untold &&
      (message.epoch === undefined || message.epoch === this.epoch) &&
      message.error === undefined &&
      kind.asIs
    ) {
      this.offset = offset;
      const data = message.data;
      if (kind.codec.is(data)) return this.emit(data);
      return kind.registry.decode(this, message);
    }
    kind.registry.deliver(this, message);
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
