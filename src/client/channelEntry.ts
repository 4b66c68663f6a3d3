import type * as t from 'io-ts';
import type { Sink } from '../internal/directObservable';
import type { Inbound, WireSubscription } from '../protocol/adapter';
import type { StreamPosition } from '../protocol/position';
import { isPlainCodec } from '../protocol/validate';
import type { ChannelRegistry } from './channels';

/** An inbound message frame, routed to its channel. */
export type MessageFrame = Extract<Inbound, { kind: 'message' }>;

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
