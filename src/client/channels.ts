import type { Sink } from '../internal/directObservable';
import type * as t from 'io-ts';
import type { Inbound, WireAdapter, WireSubscription } from '../protocol/adapter';
import { DecodeError, SubscriptionError } from '../protocol/errors';
import { check, isPlainCodec } from '../protocol/validate';

/** A notice that messages of a channel were lost and cannot be replayed: refetch what you need. */
export interface GapNotice {
  /** The channel's name. */
  readonly channel: string;
  /** The channel's parameters. */
  readonly params: unknown;
  /** The first missing sequence number. */
  readonly from: number;
  /** The last missing sequence number. */
  readonly to: number;
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
  /** The last sequence number delivered, kept across reconnects for `since`. */
  lastSeq: number | undefined = undefined;
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

  /** The wire subscription on the current connection. */
  wire(id: string, since?: number): WireSubscription {
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
 * routes inbound messages to them by one map lookup, drops replayed duplicates by
 * sequence number, and turns lost ranges into gap notices.
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

  /** A connection opened: subscribe every live channel on it, once, with its last seq. */
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
      // A first subscribe learns where the channel stands, so a later jump is detectable.
      if (entry.lastSeq === undefined && inbound.seq !== undefined) entry.lastSeq = inbound.seq;
    } else if (inbound.kind === 'gap') {
      this.io.onGap({ channel: entry.channel, params: entry.params, from: inbound.from, to: inbound.to });
      if (entry.lastSeq === undefined || inbound.to > entry.lastSeq) entry.lastSeq = inbound.to;
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
    const wire = entry.wire(this.io.nextId(), entry.lastSeq);
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

  /** Delivers a message to its channel: dedupe and gap detection by seq, then validation. */
  deliver(entry: ChannelEntry, frame: MessageFrame): void {
    const seq = frame.seq;
    if (seq !== undefined) {
      const last = entry.lastSeq;
      if (last !== undefined) {
        if (seq <= last) {
          this.io.onDuplicate();
          return;
        }
        // A jump the server did not announce is still a loss: never skip it silently.
        if (seq > last + 1) this.io.onGap({ channel: entry.channel, params: entry.params, from: last + 1, to: seq - 1 });
      }
      entry.lastSeq = seq;
    }
    const data = frame.data;
    if (entry.asIs && entry.codec.is(data)) return entry.emit(data);
    const checked = check(entry.codec, data);
    if (checked.ok) entry.emit(checked.value);
    else this.io.onDecodeError(new DecodeError(`message of channel "${entry.channel}": ${checked.reason}`, frame.data));
  }
}
