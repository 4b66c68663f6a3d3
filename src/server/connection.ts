import type { WebSocket } from 'ws';
import { isObservable, firstValueFrom } from 'rxjs';
import type * as t from 'io-ts';
import { CloseCode, closeCodeOfWsError } from '../protocol/closeCodes';
import type { Protocol } from '../protocol/defineProtocol';
import { lookup } from '../protocol/defineProtocol';
import { check, checkParsed, deeperThan } from '../protocol/validate';
import { withoutExtraKeys } from '../protocol/canonical';
import { isStreamPosition, type StreamPosition } from '../protocol/position';
import { stableKey } from '../internal/stableKey';
import type { Broker, BrokerMessage, Loss } from './brokers/types';
import { RequestError } from './errors';
import type { ConnectionInfo, RequestHandler } from './types';
import { textFrame, writeFrame, type WriteBatch } from './frames';

/** The stream a (channel, params) maps to in the broker. */
export function streamKey(channel: string, encodedParams: unknown): string {
  return `${channel}\u0000${stableKey(encodedParams)}`;
}

// Each message is serialized once, and framed once per subscription id, however many
// subscribers it goes to (clients usually choose the same ids: "1", "2", ...): the frame
// is a complete WebSocket frame, written to each socket as it is.
interface EncodedFrame {
  /** The envelope's text, for the ordinary send when the ready frame cannot be used. */
  readonly text: string;
  /** The whole WebSocket frame: header and UTF-8 payload. */
  readonly frame: Buffer;
}
const encoded = new WeakMap<BrokerMessage, { data: string; frames: Map<string, EncodedFrame> }>();
function msgFrame(message: BrokerMessage, id: string): EncodedFrame {
  let cache = encoded.get(message);
  if (!cache) encoded.set(message, (cache = { data: JSON.stringify(message.data) ?? 'null', frames: new Map() }));
  let frame = cache.frames.get(id);
  if (!frame) {
    const text = `{"type":"msg","id":${JSON.stringify(id)},"offset":${message.offset},"data":${cache.data}}`;
    frame = { text, frame: textFrame(text) };
    cache.frames.set(id, frame);
  }
  return frame;
}

/** The first message of a new epoch that follows the last one without a loss: it says its epoch. */
function firstOfEpochFrame(message: BrokerMessage, id: string): string {
  return `{"type":"msg","id":${JSON.stringify(id)},"epoch":${JSON.stringify(message.epoch)},"offset":${message.offset},"data":${JSON.stringify(message.data) ?? 'null'}}`;
}

/** What a connection needs from its server. */
export interface ConnectionContext<A> {
  readonly protocol: Protocol;
  readonly broker: Broker;
  readonly handlers: ReadonlyMap<string, RequestHandler<unknown, unknown, A>>;
  readonly authorize: ((principal: A, channel: string, params: unknown) => boolean | Promise<boolean>) | undefined;
  readonly maxSubscriptions: number;
  readonly rate: { messages: number; interval: number };
  readonly maxBufferedBytes: number;
  /** Frames nested deeper than this are refused. */
  readonly maxDepth: number;
  /** Coalesces the writes of one event-loop turn into one system call per socket. */
  readonly writes: WriteBatch;
  /** The presence entry of a connection, or undefined when presence is off. */
  readonly presence: ((connection: ConnectionInfo<A>) => string) | undefined;
  /** Counts a frame in, out or dropped, a subscription made (+1) or ended (-1), a peer closed for a limit. */
  count(what: 'in' | 'out' | 'dropped' | 'subscription' | 'limit', delta?: number): void;
  /** Records how long a request took to answer. */
  answered(name: string, ms: number): void;
}

interface LiveSubscription {
  readonly key: string;
  /** The epoch of the last message sent (or of the stream when subscribed). */
  epoch: string;
  /** The offset of the last message sent, or the position the peer said it had seen. */
  lastSent: number;
  stop: () => void;
  /** The presence entry this subscription added, if any. */
  member?: string;
}

/**
 * One peer speaking rxwire's envelope (docs/protocol.md): subscriptions with replay,
 * requests, pings, and the per-connection limits.
 */
export class ServerConnection<A> {
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private order: Promise<void> = Promise.resolve();
  /** What hooks and handlers see of this connection. */
  readonly info: ConnectionInfo<A>;
  private tokens: number;
  private refilledAt = Date.now();
  private closing = false;
  // Whether the peer answered the last native ping.
  private alive = true;
  /** The close code this side closed the connection with, if it did. */
  closedWith: { code: number; reason: string } | undefined;

  constructor(
    readonly id: string,
    readonly principal: A,
    private readonly socket: WebSocket,
    private readonly context: ConnectionContext<A>,
  ) {
    this.tokens = context.rate.messages;
    this.info = Object.freeze({ id, principal });
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => (this.alive = true));
    // A native ping costs the server a pong: it counts against the rate limit like a frame.
    socket.on('ping', () => {
      if (!this.closing && !this.allowed()) this.fail(CloseCode.PolicyViolation, 'rate limit exceeded');
    });
    socket.on('close', () => this.dispose());
    // ws reports a frame it refused (too big, invalid UTF-8, bad opcode) here and closes
    // the socket with the matching code; without a listener it would crash the process.
    // The close then reads 1006 locally: keep the code that was sent, and count it.
    socket.on('error', (error: Error & { code?: string }) => {
      if (this.closing) return;
      this.closing = true;
      this.closedWith = { code: closeCodeOfWsError(error.code) ?? CloseCode.ProtocolError, reason: error.message };
      this.context.count('limit');
    });
  }

  /** Sends a native ping; a peer that did not answer the previous one is terminated. */
  ping(): void {
    if (!this.alive) return this.socket.terminate();
    this.alive = false;
    this.socket.ping();
  }

  /**
   * Sends a text frame: a string, or an {@link EncodedFrame} framed once for all its
   * subscribers. Cuts off a peer whose unread bytes passed the bound instead.
   */
  send(frame: string | EncodedFrame): void {
    if (this.closing || this.socket.readyState !== 1) return this.context.count('dropped');
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) {
      // Part of it may be this turn's batch, held back on purpose: write that out first.
      this.context.writes.releaseNow(this.socket);
    }
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) {
      this.fail(CloseCode.TryAgainLater, 'too slow: too much data waiting to be read', true);
      return;
    }
    if (typeof frame === 'string') this.socket.send(frame);
    else if (!writeFrame(this.socket, frame.frame)) this.socket.send(frame.text);
    this.context.writes.wrote(this.socket);
    this.context.count('out');
  }

  /** Sends an event frame. */
  event(name: string, encoded: unknown): void {
    this.send(JSON.stringify({ type: 'event', name, data: encoded }));
  }

  /** Closes the connection with `code`; `destroy` also drops the socket at once. */
  fail(code: number, reason: string, destroy = false): void {
    if (this.closing) return;
    this.closing = true;
    this.closedWith = { code, reason };
    this.context.count('limit');
    this.socket.close(code, reason);
    if (destroy) this.socket.terminate();
  }

  private dispose(): void {
    this.closing = true;
    for (const subscription of this.subscriptions.values()) this.end(subscription);
    this.subscriptions.clear();
  }

  private end(subscription: LiveSubscription): void {
    subscription.stop();
    if (subscription.member !== undefined) void this.context.broker.leave(subscription.key, subscription.member).catch(() => undefined);
    this.context.count('subscription', -1);
  }

  private allowed(): boolean {
    const { messages, interval } = this.context.rate;
    const now = Date.now();
    this.tokens = Math.min(messages, this.tokens + ((now - this.refilledAt) / interval) * messages);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    this.context.count('in');
    if (!this.allowed()) return this.fail(CloseCode.PolicyViolation, 'rate limit exceeded');
    if (isBinary) return this.fail(1003, 'binary frames are not part of the protocol');
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      return this.fail(CloseCode.InvalidPayload, 'invalid JSON');
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return this.fail(CloseCode.ProtocolError, 'a frame must be a JSON object');
    const f = frame as Record<string, unknown>;
    if (deeperThan(frame, this.context.maxDepth)) {
      // Answered where the frame says what it was; either way nothing of it is validated.
      const message = `the frame is nested deeper than ${this.context.maxDepth} levels`;
      if (typeof f.id === 'string' && f.type === 'req') return this.inOrder(() => this.send(JSON.stringify({ type: 'res', id: f.id, error: { code: 'TOO_DEEP', message } })));
      if (typeof f.id === 'string' && f.type === 'sub') return this.inOrder(() => this.refuse(f.id as string, 'TOO_DEEP', message));
      return this.fail(CloseCode.InvalidPayload, 'too deeply nested');
    }
    switch (f.type) {
      case 'ping':
        return this.send('{"type":"pong"}');
      case 'sub': {
        const { id, channel, params, since } = f;
        if (typeof id !== 'string' || typeof channel !== 'string') return this.fail(CloseCode.ProtocolError, 'sub needs a string id and channel');
        if (since !== undefined && !isStreamPosition(since)) {
          return this.inOrder(() => this.refuse(id, 'INVALID_SINCE', '"since" must be a position: {"epoch": a string, "offset": an integer >= 0}'));
        }
        return this.inOrder(() => this.subscribe(id, channel, params, since));
      }
      case 'unsub': {
        const { id } = f;
        if (typeof id !== 'string') return this.fail(CloseCode.ProtocolError, 'unsub needs a string id');
        return this.inOrder(() => {
          const subscription = this.subscriptions.get(id);
          if (subscription) {
            this.subscriptions.delete(id);
            this.end(subscription);
          }
        });
      }
      case 'req': {
        const { id, name, payload } = f;
        if (typeof id !== 'string' || typeof name !== 'string') return this.fail(CloseCode.ProtocolError, 'req needs a string id and name');
        // Started in order (after the subscriptions sent before it are live), not awaited;
        // request() answers every failure itself and never rejects.
        return this.inOrder(() => void this.request(id, name, payload));
      }
      default:
        return this.fail(CloseCode.ProtocolError, 'unknown frame type');
    }
  }

  /**
   * Runs the effect of a frame after those of the frames before it: a subscription
   * is live (listening, replayed) before anything sent after it is handled, so a
   * request that publishes cannot overtake the subscription that should see it.
   */
  private inOrder(work: () => void | Promise<void>): void {
    this.order = this.order.then(work).catch(() => undefined);
  }

  private refuse(id: string, code: string, message: string): void {
    this.send(JSON.stringify({ type: 'error', id, code, message }));
  }

  private async subscribe(id: string, channel: string, params: unknown, since: StreamPosition | undefined): Promise<void> {
    try {
      await this.trySubscribe(id, channel, params, since);
    } catch {
      // A fault of this server (a hook, the broker): the details stay here.
      if (!this.closing) this.refuse(id, 'INTERNAL', 'the subscription failed');
    }
  }

  private async trySubscribe(id: string, channel: string, params: unknown, since: StreamPosition | undefined): Promise<void> {
    const definition = lookup(this.context.protocol.channels, channel);
    if (!definition) return this.refuse(id, 'UNKNOWN_CHANNEL', `no channel "${channel}"`);
    if (this.subscriptions.has(id)) return this.refuse(id, 'DUPLICATE_ID', `subscription "${id}" is live already`);
    if (this.subscriptions.size >= this.context.maxSubscriptions) {
      return this.refuse(id, 'TOO_MANY_SUBSCRIPTIONS', `at most ${this.context.maxSubscriptions} subscriptions per connection`);
    }
    const decoded = checkParsed(definition.params as t.Mixed, params);
    if (!decoded.ok) return this.refuse(id, 'INVALID_PARAMS', decoded.reason);
    // Keyed as `publish` keys it: params with keys their codec does not declare name
    // the same stream as without them, rather than one nobody publishes to.
    const canonical = withoutExtraKeys(definition.params as t.Mixed, decoded.value);
    const key = streamKey(channel, (definition.params as t.Mixed).encode(canonical));
    // Reserve the id before anything asynchronous, so that an unsub meanwhile is honoured.
    const subscription: LiveSubscription = { key, epoch: '', lastSent: 0, stop: () => undefined };
    this.subscriptions.set(id, subscription);
    this.context.count('subscription', 1);
    const live = () => this.subscriptions.get(id) === subscription && !this.closing;
    try {
      if (this.context.authorize && !(await this.context.authorize(this.principal, channel, canonical))) {
        if (live()) {
          this.subscriptions.delete(id);
          this.end(subscription);
          this.refuse(id, 'FORBIDDEN', `not allowed to read "${channel}"`);
        }
        return;
      }
      // Listen first and hold what arrives, so nothing published during the replay is lost.
      const held: Array<() => void> = [];
      let replaying = true;
      const deliver = (message: BrokerMessage): void => this.deliver(id, subscription, message);
      const lose = (loss: Loss): void => this.lose(id, subscription, loss);
      const stop = await this.context.broker.listen(
        key,
        (message) => (replaying ? held.push(() => deliver(message)) : deliver(message)),
        (loss) => (replaying ? held.push(() => lose(loss)) : lose(loss)),
      );
      if (!live()) return stop(); // left while the broker was subscribing
      subscription.stop = stop;
      const replay = await this.context.broker.replay(key, since);
      if (!live()) return;
      const sameEpoch = since !== undefined && since.epoch === replay.epoch;
      if (sameEpoch && since.offset > replay.offset) {
        // A position the stream never reached: replaying from it would withhold messages.
        this.subscriptions.delete(id);
        this.end(subscription);
        return this.refuse(id, 'INVALID_SINCE', `"since" offset ${since.offset} is beyond the stream's offset ${replay.offset} in epoch ${replay.epoch}`);
      }
      subscription.epoch = replay.epoch;
      subscription.lastSent = sameEpoch ? since.offset : replay.offset;
      this.send(JSON.stringify({ type: 'subscribed', id, epoch: replay.epoch, offset: replay.offset }));
      if (replay.lost) this.gap(id, subscription, replay.lost);
      for (const message of replay.messages) deliver(message);
      replaying = false;
      for (const release of held) release();
      if (this.context.presence) {
        subscription.member = this.context.presence(this.info);
        await this.context.broker.join(key, subscription.member);
        // Left while joining: undo.
        if (!live()) await this.context.broker.leave(key, subscription.member);
      }
    } catch {
      // authorize or the broker failed: their message stays on the server (it can name
      // internals), the peer learns that it may try again.
      if (live()) {
        this.subscriptions.delete(id);
        this.end(subscription);
        this.refuse(id, 'UNAVAILABLE', 'the subscription cannot be set up now; try again later');
      }
    }
  }

  /** Sends a message of subscription `id` unless the peer had it, after a gap for any hole before it. */
  private deliver(id: string, subscription: LiveSubscription, message: BrokerMessage): void {
    if (message.epoch === subscription.epoch) {
      if (message.offset <= subscription.lastSent) return; // a replay overlap
      const from = subscription.lastSent + 1;
      // Brokers announce their losses; a hole they did not is still one: never skip it silently.
      if (message.offset > from) this.gap(id, subscription, { epoch: message.epoch, from, to: message.offset - 1, count: message.offset - from });
      subscription.lastSent = message.offset;
      return this.send(msgFrame(message, id));
    }
    // A new epoch without a loss announced: the broker delivered all of the previous one.
    if (message.offset > 1) {
      this.gap(id, subscription, { epoch: message.epoch, from: 1, to: message.offset - 1, count: message.offset - 1 });
      subscription.lastSent = message.offset;
      return this.send(msgFrame(message, id));
    }
    subscription.epoch = message.epoch;
    subscription.lastSent = message.offset;
    this.send(firstOfEpochFrame(message, id));
  }

  /** The broker lost messages of a live subscription: tells the peer what it will not get. */
  private lose(id: string, subscription: LiveSubscription, loss: Loss): void {
    if (loss.epoch !== subscription.epoch) return this.gap(id, subscription, loss);
    // In the epoch the peer is in already: only what it has not had counts.
    const from = Math.max(loss.from ?? 1, subscription.lastSent + 1);
    if (loss.to === undefined || loss.to < from) return;
    this.gap(id, subscription, { epoch: loss.epoch, from, to: loss.to, count: loss.to - from + 1 });
  }

  /** Sends a `gap`: after it, the subscription is at the end of the loss in its epoch. */
  private gap(id: string, subscription: LiveSubscription, loss: Loss): void {
    subscription.epoch = loss.epoch;
    subscription.lastSent = loss.to ?? 0;
    const range = loss.from !== undefined && loss.to !== undefined ? { from: loss.from, to: loss.to } : {};
    this.send(JSON.stringify({ type: 'gap', id, epoch: loss.epoch, ...range, ...(loss.count === undefined ? {} : { lost: loss.count }) }));
  }

  /** Runs a request and answers it; never rejects (every failure is a reply). */
  private async request(id: string, name: string, payload: unknown): Promise<void> {
    const reply = (body: { data: unknown } | { error: { code: string; message: string; data?: unknown } }): void => {
      let text: string;
      try {
        text = JSON.stringify({ type: 'res', id, ...body });
      } catch {
        // A BigInt or a cycle in what the handler returned: not the peer's fault.
        text = JSON.stringify({ type: 'res', id, error: { code: 'INTERNAL', message: 'the reply could not be serialized' } });
      }
      this.send(text);
    };
    const started = performance.now();
    try {
      reply(await this.answer(name, payload));
      this.context.answered(name, performance.now() - started);
    } catch {
      reply({ error: { code: 'INTERNAL', message: 'the request failed' } });
    }
  }

  private async answer(name: string, payload: unknown): Promise<{ data: unknown } | { error: { code: string; message: string; data?: unknown } }> {
    const definition = lookup(this.context.protocol.requests, name);
    const handler = this.context.handlers.get(name);
    if (!definition || !handler) return { error: { code: 'NOT_FOUND', message: `no request "${name}"` } };
    const decoded = checkParsed(definition.request, payload);
    if (!decoded.ok) return { error: { code: 'INVALID_PAYLOAD', message: decoded.reason } };
    try {
      const result = handler(decoded.value, { connection: this.info });
      const value = isObservable(result) ? await firstValueFrom(result) : await result;
      const checked = check(definition.response, value);
      if (!checked.ok) return { error: { code: 'INTERNAL', message: 'the reply failed its codec' } };
      return { data: definition.response.encode(checked.value) };
    } catch (error) {
      if (!(error instanceof RequestError)) return { error: { code: 'INTERNAL', message: 'the request failed' } }; // details stay here
      const data = error.data !== undefined && definition.error ? definition.error.encode(error.data) : error.data;
      return { error: data === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, data } };
    }
  }
}
