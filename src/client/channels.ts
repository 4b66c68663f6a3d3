import { Observable, type Subscription } from 'rxjs';
import type * as t from 'io-ts';
import { DirectObservable, type Sink } from '../internal/directObservable';
import { channelKey } from '../internal/stableKey';
import type { Inbound, WireAdapter } from '../protocol/adapter';
import { DecodeError, RemoteError, SubscriptionError } from '../protocol/errors';
import { check, passesAsIs } from '../protocol/validate';
import { ChannelEntry, channelKind, type ChannelKind, type MessageFrame } from './channelEntry';

/** What the registry needs from its client. */
export interface ChannelIo {
  /** Sends a control frame if the socket is open; returns whether it was sent. */
  sendControl(frame: unknown): boolean;
  /** Sends a subscribe or unsubscribe frame, batched with the others of this turn. */
  sendSubscription(frame: unknown): boolean;
  isOpen(): boolean;
  isClosed(): boolean;
  nextId(): string;
  /** The connection and its dispatch, held while any channel is observed. */
  readonly inbound$: Observable<never>;
  onDecodeError(error: DecodeError): void;
  /** An error the server reported alongside a message it delivered. */
  onRemoteError(error: RemoteError): void;
  onDuplicate(): void;
  /**
   * A loss on `entry`'s channel, told once: the client counts it and makes the
   * {@link GapNotice} of it (`from` and `to` together or neither).
   */
  onGap(entry: ChannelEntry, epoch: string, from: number | undefined, to: number | undefined, lost: number | undefined): void;
}

/**
 * The client's live channels, the one cache of them: observers of the same (channel,
 * params) share one entry, which is subscribed on the wire exactly once per connection
 * with the last position seen. Inbound messages reach it by one map lookup; replayed
 * duplicates are dropped by offset, and each loss is exactly one gap notice. While any
 * channel is observed the registry holds the connection, through one subscription.
 */
export class ChannelRegistry {
  /** The live channels by routing key, for the `route` operator. */
  readonly routes = new Map<string, ChannelEntry>();
  /** The live channels by (channel, params) identity. */
  private readonly entries = new Map<string, ChannelEntry>();
  /** What the entries of each codec share, one per codec. */
  private readonly kinds = new Map<t.Mixed, ChannelKind>();
  private hold: Subscription | undefined;

  constructor(
    private readonly adapter: WireAdapter,
    private readonly io: ChannelIo,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The messages of one channel: `params` as the user gave them (already checked),
   * `wireParams` as they are sent. A channel costs an entry, not a chain of subscribers.
   */
  observe(channel: string, params: unknown, wireParams: unknown, codec: t.Mixed): Observable<unknown> {
    const key = channelKey(channel, params);
    return new DirectObservable<unknown>((subscriber) => {
      if (this.io.isClosed()) return subscriber.complete();
      let entry = this.entries.get(key);
      if (entry) entry.observe(subscriber);
      else this.add(key, (entry = new ChannelEntry(this.kindOf(codec), channel, params, wireParams, subscriber)));
      const mine = entry;
      return () => {
        mine.unobserve(subscriber);
        if (!mine.observed && this.entries.get(key) === mine) this.remove(key, mine);
      };
    });
  }

  private kindOf(codec: t.Mixed): ChannelKind {
    let kind = this.kinds.get(codec);
    if (kind === undefined) this.kinds.set(codec, (kind = channelKind(this, codec)));
    return kind;
  }

  private add(key: string, entry: ChannelEntry): void {
    this.entries.set(key, entry);
    this.hold ??= this.io.inbound$.subscribe({ error: (e: unknown) => this.failAll(e), complete: () => this.completeAll() });
    if (!this.io.isOpen()) return;
    try {
      this.subscribeOnWire(entry);
    } catch (error) {
      // An adapter that cannot make the frame: this subscriber errors, nothing stays behind.
      this.forget(entry);
      this.remove(key, entry);
      throw error;
    }
  }

  private remove(key: string, entry: ChannelEntry): void {
    this.entries.delete(key);
    const id = entry.wireId;
    this.forget(entry);
    // An entry left while offline was never subscribed on this connection: nothing to undo.
    if (id !== undefined) this.io.sendSubscription(this.adapter.unsubscribe(entry.wire(id)));
    if (this.entries.size === 0) this.release();
  }

  private release(): void {
    const hold = this.hold;
    this.hold = undefined;
    hold?.unsubscribe();
  }

  /** The connection failed for good: every channel errors with `error`. */
  private failAll(error: unknown): void {
    this.endAll((observer) => observer.error(error));
  }

  /** The client closed: every channel completes. */
  private completeAll(): void {
    this.endAll((observer) => observer.complete());
  }

  private endAll(end: (observer: Sink<unknown>) => void): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    this.hold = undefined;
    for (const entry of entries) {
      this.forget(entry);
      entry.forEach(end);
    }
  }

  /**
   * A connection opened: subscribe every live channel on it, once, with its last
   * position. A channel whose frame the adapter cannot make errors alone.
   */
  onOpen(): void {
    for (const entry of [...this.entries.values()]) {
      try {
        this.subscribeOnWire(entry);
      } catch (error) {
        this.drop(entry);
        entry.forEach((observer) => observer.error(error));
      }
    }
  }

  /** The connection is gone: nothing routed under its ids may be delivered any more. */
  onClose(): void {
    for (const entry of this.entries.values()) this.forget(entry);
  }

  /** Handles the control frames about subscriptions. Returns false for other frames. */
  handleControl(inbound: Inbound): boolean {
    if (inbound.kind !== 'subscribed' && inbound.kind !== 'subscription-error' && inbound.kind !== 'gap' && inbound.kind !== 'complete') return false;
    const entry = this.routes.get(inbound.key);
    if (!entry) return true; // about a subscription already left: nothing to do
    if (inbound.kind === 'complete') {
      // The server ended it: nothing to undo on the wire, nothing to resubscribe.
      this.drop(entry);
      entry.forEach((observer) => observer.complete());
      return true;
    }
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
      const { code, message, data } = inbound.error;
      // A failure inside a subscription the server still runs: tell it to stop.
      if (inbound.live && entry.wireId !== undefined) this.io.sendSubscription(this.adapter.unsubscribe(entry.wire(entry.wireId)));
      this.drop(entry);
      const error = inbound.live
        ? new RemoteError(entry.channel, code, message, data, 'channel')
        : new SubscriptionError(entry.channel, entry.params, code, message);
      entry.forEach((observer) => observer.error(error));
    }
    return true;
  }

  /** The server ended a channel: it leaves the registry (its observers are told by the caller). */
  private drop(entry: ChannelEntry): void {
    this.entries.delete(channelKey(entry.channel, entry.params));
    if (this.entries.size === 0) this.release();
    this.forget(entry);
  }

  private subscribeOnWire(entry: ChannelEntry): void {
    if (entry.wireId !== undefined) return; // exactly once per connection
    const wire = entry.wire(this.io.nextId(), entry.position);
    const key = this.adapter.routeKey(wire);
    entry.wireId = wire.id;
    entry.key = key;
    this.routes.set(key, entry);
    this.io.sendSubscription(this.adapter.subscribe(wire));
  }

  private forget(entry: ChannelEntry): void {
    if (entry.key !== undefined) this.routes.delete(entry.key);
    entry.wireId = undefined;
    entry.key = undefined;
  }

  private gap(entry: ChannelEntry, epoch: string, from: number | undefined, to: number | undefined, lost: number | undefined): void {
    this.io.onGap(entry, epoch, from, to, lost);
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
    if (frame.error !== undefined) this.remoteError(entry, frame.error);
    if (passesAsIs(entry.kind.codec, data, entry.kind.asIs)) return entry.emit(data);
    this.decode(entry, frame);
  }

  /** Decodes a message that `is` did not pass (or that a codec that is not plain checks): delivered decoded, or reported. */
  decode(entry: ChannelEntry, frame: MessageFrame): void {
    const checked = check(entry.kind.codec, frame.data);
    if (checked.ok) entry.emit(checked.value);
    else this.io.onDecodeError(new DecodeError(`message of channel "${entry.channel}": ${checked.reason}`, frame.data));
  }

  /** An error reported alongside a message (a partial result): on `errors$`, the message still delivered. */
  private remoteError(entry: ChannelEntry, error: NonNullable<MessageFrame['error']>): void {
    this.io.onRemoteError(new RemoteError(entry.channel, error.code, error.message, error.data, 'channel'));
  }
}
