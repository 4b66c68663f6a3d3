import type * as t from 'io-ts';
import { lookup } from '../../protocol/defineProtocol';
import { checkParsed } from '../../protocol/validate';
import { withoutExtraKeys } from '../../protocol/canonical';
import type { StreamPosition } from '../../protocol/position';
import { channelKey } from '../../internal/stableKey';
import type { BrokerMessage, Loss, Replay } from '../brokers/types';
import { deliver, gap, lose, type Cursor, type Send, type Sink } from './delivery';
import type { ConnectionContext } from './context';

interface LiveSubscription extends Cursor {
  readonly key: string;
  stop: () => void;
  /** The presence entry this subscription added, if any. */
  member?: string;
}

/** The connection the subscriptions belong to. */
export interface SubscriptionOwner<A> extends Sink {
  readonly info: { readonly id: string; readonly principal: A };
  /** Whether the connection is closing: nothing more is set up or sent. */
  readonly closing: boolean;
  send(frame: Parameters<Send>[0]): void;
}

/**
 * The live subscriptions of one connection: set up (validated, authorized, listening,
 * replayed from `since`, in presence), fed by the broker, and ended.
 */
export class Subscriptions<A> {
  private readonly live = new Map<string, LiveSubscription>();

  constructor(
    private readonly owner: SubscriptionOwner<A>,
    private readonly context: ConnectionContext<A>,
  ) {}

  /** Sets up subscription `id`; answers every failure with an `error` frame, never rejects. */
  async subscribe(id: string, channel: string, params: unknown, since: StreamPosition | undefined): Promise<void> {
    try {
      const subscription = this.reserve(id, channel, params);
      if (subscription) await this.start(id, channel, subscription, since);
    } catch {
      // A fault of this server (a hook, the broker): the details stay here.
      if (!this.owner.closing) this.refuse(id, 'INTERNAL', 'the subscription failed');
    }
  }

  /** Ends subscription `id`, if it is live. */
  unsubscribe(id: string): void {
    const subscription = this.live.get(id);
    if (subscription) this.drop(id, subscription);
  }

  /** Ends every subscription: the connection is gone. */
  dispose(): void {
    for (const subscription of this.live.values()) this.end(subscription);
    this.live.clear();
  }

  /** Sends an `error` frame for subscription `id`. */
  refuse(id: string, code: string, message: string): void {
    this.owner.send(JSON.stringify({ type: 'error', id, code, message }));
  }

  /**
   * Checks what a `sub` asks for and reserves its id before anything asynchronous, so
   * that an unsub meanwhile is honoured; undefined when it was refused.
   */
  private reserve(id: string, channel: string, params: unknown): (LiveSubscription & { canonical: unknown }) | undefined {
    const { protocol, maxSubscriptions } = this.context;
    const definition = lookup(protocol.channels, channel);
    if (!definition) return void this.refuse(id, 'UNKNOWN_CHANNEL', `no channel "${channel}"`);
    if (this.live.has(id)) return void this.refuse(id, 'DUPLICATE_ID', `subscription "${id}" is live already`);
    if (this.live.size >= maxSubscriptions) return void this.refuse(id, 'TOO_MANY_SUBSCRIPTIONS', `at most ${maxSubscriptions} subscriptions per connection`);
    const codec = definition.params as t.Mixed;
    const decoded = checkParsed(codec, params);
    if (!decoded.ok) return void this.refuse(id, 'INVALID_PARAMS', decoded.reason);
    // Keyed as `publish` keys it: params with keys their codec does not declare name
    // the same stream as without them, rather than one nobody publishes to.
    const canonical = withoutExtraKeys(codec, decoded.value);
    const subscription = { key: channelKey(channel, codec.encode(canonical)), epoch: '', lastSent: 0, stop: () => undefined, canonical };
    this.live.set(id, subscription);
    this.context.count('subscription', 1);
    return subscription;
  }

  private async start(id: string, channel: string, subscription: LiveSubscription & { canonical: unknown }, since: StreamPosition | undefined): Promise<void> {
    const { authorize, broker, presence } = this.context;
    const live = () => this.live.get(id) === subscription && !this.owner.closing;
    try {
      if (authorize && !(await authorize(this.owner.info.principal, channel, subscription.canonical))) {
        if (live()) this.drop(id, subscription, ['FORBIDDEN', `not allowed to read "${channel}"`]);
        return;
      }
      const replay = await this.listen(id, subscription, since, live);
      if (!replay || !live()) return;
      if (presence) {
        subscription.member = presence(this.owner.info);
        await broker.join(subscription.key, subscription.member);
        // Left while joining: undo.
        if (!live()) await broker.leave(subscription.key, subscription.member);
      }
    } catch {
      // authorize or the broker failed: their message stays on the server (it can name
      // internals), the peer learns that it may try again.
      if (live()) this.drop(id, subscription, ['UNAVAILABLE', 'the subscription cannot be set up now; try again later']);
    }
  }

  /**
   * Listens, then replays from `since`, holding what arrives live meanwhile so that
   * nothing published during the replay is lost or sent twice. Resolves with the
   * replay, or undefined when the subscription ended (or was refused) on the way.
   */
  private async listen(id: string, subscription: LiveSubscription, since: StreamPosition | undefined, live: () => boolean): Promise<Replay | undefined> {
    const { broker } = this.context;
    const owner = this.owner;
    const held: Array<() => void> = [];
    let replaying = true;
    // One closure per subscription, calling `deliver` with the connection itself: no
    // further closure between the broker and the socket.
    const stop = await broker.listen(
      subscription.key,
      (message) => {
        if (replaying) held.push(() => deliver(owner, id, subscription, message));
        else deliver(owner, id, subscription, message);
      },
      (loss) => {
        if (replaying) held.push(() => lose(owner, id, subscription, loss));
        else lose(owner, id, subscription, loss);
      },
    );
    if (!live()) return void stop(); // left while the broker was subscribing
    subscription.stop = stop;
    const replay = await broker.replay(subscription.key, since);
    if (!live()) return undefined;
    const sameEpoch = since !== undefined && since.epoch === replay.epoch;
    if (sameEpoch && since.offset > replay.offset) {
      // A position the stream never reached: replaying from it would withhold messages.
      const message = `"since" offset ${since.offset} is beyond the stream's offset ${replay.offset} in epoch ${replay.epoch}`;
      return void this.drop(id, subscription, ['INVALID_SINCE', message]);
    }
    subscription.epoch = replay.epoch;
    subscription.lastSent = sameEpoch ? since.offset : replay.offset;
    owner.send(JSON.stringify({ type: 'subscribed', id, epoch: replay.epoch, offset: replay.offset }));
    if (replay.lost) gap(owner, id, subscription, replay.lost);
    for (const message of replay.messages) deliver(owner, id, subscription, message);
    replaying = false;
    for (const release of held) release();
    return replay;
  }

  /** Ends a live subscription, answering its `sub` with `refusal` if given. */
  private drop(id: string, subscription: LiveSubscription, refusal?: [code: string, message: string]): void {
    this.live.delete(id);
    this.end(subscription);
    if (refusal) this.refuse(id, ...refusal);
  }

  private end(subscription: LiveSubscription): void {
    subscription.stop();
    if (subscription.member !== undefined) void this.context.broker.leave(subscription.key, subscription.member).catch(() => undefined);
    this.context.count('subscription', -1);
  }
}
