import { CloseCode } from '../../protocol/closeCodes';
import type { ConnectionContext } from './context';
import type { SharedText, PeerTransport, Peer } from './transport';
import type { ConnectionInfo } from './types';
import { TokenBucket } from './rateLimit';
import { BATCH_FRAMES_PER_TOKEN, parseFrame, type InboundFrame, type Parsed } from './parse';
import { Subscriptions } from './subscriptions';
import { request } from './requests';
import { HeldFrames, batchFrame } from './heldFrames';

const decoder = new TextDecoder();

/**
 * One peer speaking rxwire's envelope (docs/protocol.md) over any transport: the rate
 * limit, frames in order, subscriptions, requests, and sending with the bound on what
 * a slow reader may leave queued. Closing is one-way: once closing, nothing more is
 * handled or sent.
 */
export class Connection<A> implements Peer<A> {
  /** What hooks and handlers see of this connection. */
  readonly info: ConnectionInfo<A>;
  closedWith: { code: number; reason: string } | undefined;
  private closingNow = false;
  private order: Promise<void> = Promise.resolve();
  private readonly bucket: TokenBucket;
  private readonly subscriptions: Subscriptions<A>;
  /** `send`, bound: handed to the parts that answer on their own. */
  private readonly sendFrame = (frame: string | SharedText): void => this.send(frame);
  /** The context's bound on a slow reader's unread bytes, on this object: read on every send. */
  private readonly maxBufferedBytes: number;
  /** While a batch that asked for batched answers is handled: what is sent meanwhile. */
  private held: HeldFrames | undefined;
  /** Sends what was held, as one `batch` frame (or alone when it is one frame); counted as the frames it holds. */
  private readonly sendHeld = (frames: readonly string[]): void => {
    const transport = this.transport;
    if (this.closingNow || !transport.open) return this.context.count('dropped', frames.length);
    if (transport.bufferedAmount > this.maxBufferedBytes && this.tooSlow()) return this.context.count('dropped', frames.length);
    transport.send(batchFrame(frames));
    this.context.count('out', frames.length);
  };

  constructor(
    id: string,
    principal: A,
    private readonly transport: PeerTransport,
    private readonly context: ConnectionContext<A>,
  ) {
    this.info = Object.freeze({ id, principal });
    this.maxBufferedBytes = context.maxBufferedBytes;
    this.bucket = new TokenBucket(context.rate, () => context.now());
    this.subscriptions = new Subscriptions(this, context);
  }

  /** Whether the connection is closing (or closed). */
  get closing(): boolean {
    return this.closingNow;
  }

  receive(data: string | Uint8Array, binary = false): void {
    if (this.closingNow) return;
    this.context.count('in');
    if (!this.bucket.take()) return this.fail(CloseCode.PolicyViolation, 'rate limit exceeded');
    if (binary) return this.fail(1003, 'binary frames are not part of the protocol');
    const parsed = parseFrame(typeof data === 'string' ? data : decoder.decode(data), this.context.maxDepth);
    if (parsed.kind === 'close') return this.fail(parsed.code, parsed.reason);
    if (parsed.kind !== 'batch') return this.handleParsed(parsed);
    // A batch costs one token per BATCH_FRAMES_PER_TOKEN frames (the first was taken above).
    if (!this.bucket.take(Math.ceil(parsed.items.length / BATCH_FRAMES_PER_TOKEN) - 1)) return this.fail(CloseCode.PolicyViolation, 'rate limit exceeded');
    // Every frame of a batch (sub, unsub, or an error answer) is handled in order: one
    // link of the chain for the whole batch instead of one (and two promises) per frame.
    const { items, reply } = parsed;
    this.inOrder(() => this.handleBatch(items, reply));
  }

  /**
   * The frames of a batch, each after the effect of the one before, as if each had come
   * alone. With `reply`, what is sent meanwhile is held and goes out as `batch` frames.
   */
  private async handleBatch(items: ReadonlyArray<Extract<Parsed, { kind: 'frame' | 'answer' }>>, reply: boolean): Promise<void> {
    if (reply) this.held ??= new HeldFrames(this.sendHeld);
    try {
      await this.runBatch(items);
    } finally {
      if (reply) this.stopHolding();
    }
  }

  private async runBatch(items: ReadonlyArray<Extract<Parsed, { kind: 'frame' | 'answer' }>>): Promise<void> {
    for (const item of items) {
      try {
        if (item.kind === 'answer') this.send(item.text);
        else if (item.frame.type === 'sub') await this.subscriptions.subscribe(item.frame.id, item.frame.channel, item.frame.params, item.frame.since);
        else if (item.frame.type === 'unsub') this.subscriptions.unsubscribe(item.frame.id);
        else this.handle(item.frame);
      } catch {
        // As a frame alone: its failure does not hold up the ones after it.
      }
    }
  }

  private handleParsed(parsed: Extract<Parsed, { kind: 'frame' | 'answer' }>): void {
    if (parsed.kind === 'answer') this.inOrder(() => this.send(parsed.text));
    else this.handle(parsed.frame);
  }

  pinged(): void {
    if (!this.closingNow && !this.bucket.take()) this.fail(CloseCode.PolicyViolation, 'rate limit exceeded');
  }

  broken(code: number, reason: string): void {
    if (this.closingNow) return;
    this.closingNow = true;
    this.closedWith = { code, reason };
    this.context.count('limit');
  }

  closed(code: number, reason: string): void {
    this.closingNow = true;
    this.subscriptions.dispose();
    this.context.left(this, code, reason);
  }

  event(name: string, encoded: unknown): void {
    this.send(JSON.stringify({ type: 'event', name, data: encoded }));
  }

  /**
   * Sends a text frame, or a {@link SharedText} made once for all its peers. Cuts off a
   * peer whose unread bytes passed the bound instead.
   */
  send(frame: string | SharedText): void {
    if (this.held !== undefined && !this.closingNow) return this.held.add(typeof frame === 'string' ? frame : frame.text);
    this.write(frame);
  }

  /** {@link send}, never held for a batch answer. */
  private write(frame: string | SharedText): void {
    const transport = this.transport;
    if (this.closingNow || !transport.open) return this.context.count('dropped');
    if (transport.bufferedAmount > this.maxBufferedBytes && this.tooSlow()) return this.context.count('dropped');
    if (typeof frame === 'string') transport.send(frame);
    else if (transport.sendShared !== undefined) transport.sendShared(frame);
    else transport.send(frame.text);
    this.context.count('out');
  }

  /**
   * Answers a `ping` at once, never held for a batch answer: a pong is not ordered with
   * the answers still being prepared (docs/protocol.md), and a client's own `isPong`
   * sees only frames that come alone.
   */
  private pong(): void {
    this.write('{"type":"pong"}');
  }

  /** Sends what is held and stops holding. */
  private stopHolding(): void {
    const held = this.held;
    this.held = undefined;
    held?.release();
  }

  /** The peer's unread bytes passed the bound: true, having cut it off, if they still do once the transport wrote out what it held back. */
  private tooSlow(): boolean {
    // Part of it may be what the transport holds back on purpose: write that out first.
    this.transport.flush?.();
    if (this.transport.bufferedAmount <= this.maxBufferedBytes) return false;
    this.fail(CloseCode.TryAgainLater, 'too slow: too much data waiting to be read', true);
    return true;
  }

  fail(code: number, reason: string, destroy = false): void {
    if (this.closingNow) return;
    // What was held for a batch answer goes out before the close, as it would have alone.
    if (!destroy) this.stopHolding();
    else this.held = undefined;
    if (this.closingNow) return; // sending what was held found a slow reader, and cut it off
    this.closingNow = true;
    this.closedWith = { code, reason };
    this.context.count('limit');
    this.transport.close(code, reason);
    if (destroy) this.transport.terminate();
  }

  private handle(frame: InboundFrame): void {
    switch (frame.type) {
      case 'ping':
        return this.pong();
      case 'sub':
        return this.inOrder(() => this.subscriptions.subscribe(frame.id, frame.channel, frame.params, frame.since));
      case 'unsub':
        return this.inOrder(() => this.subscriptions.unsubscribe(frame.id));
      case 'req':
        // Started in order (after the subscriptions sent before it are live), not awaited;
        // request() answers every failure itself and never rejects.
        return this.inOrder(() => void request(this.context, this.info, this.sendFrame, frame.id, frame.name, frame.payload));
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
}
