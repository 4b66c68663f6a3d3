import { Observable, SchedulerLike, Subject, Subscriber, Subscription, asyncScheduler } from 'rxjs';
import { webSocket, WebSocketSubject } from 'rxjs/webSocket';
import { heartbeat } from '../operators/heartbeat';
import { ConnectTimeoutError, ConnectionClosedError, DecodeError, type HeartbeatTimeoutError } from '../protocol/errors';
import { CloseCode } from '../protocol/closeCodes';
import { toConnectionError } from './connectionError';
import { frameSize } from '../internal/utf8';
import type { Inbound, WireClose, WireContext } from '../protocol/adapter';
import { INVALID, MAX_PONG_LENGTH, parseFrame } from './inboundFrame';
import type { WebSocketConstructor, WebSocketLike } from './types';

/** Where and how one connection attempt connects. */
export interface SocketTarget {
  url: string;
  protocols: string[];
  headers: Record<string, string> | undefined;
  /** The token fetched for this attempt, for the adapter's handshake. */
  token: string | undefined;
}

/** The heartbeat of one socket, defaults applied. */
export interface SocketHeartbeat {
  interval: number;
  timeout: number;
  ping: unknown;
  /**
   * The user's own pong test, asked of frames of up to 256 characters; undefined to
   * take the adapter's reading (a frame that decodes to `pong`).
   */
  isPong: ((message: unknown) => boolean) | undefined;
}

/** The hooks through which one socket reports to its client. */
export interface SocketHooks {
  WebSocketCtor: WebSocketConstructor;
  heartbeat: SocketHeartbeat | false;
  closeTimeout: number;
  /** Frames nested deeper than this are dropped and reported. */
  maxDepth: number;
  /** The largest inbound frame, passed to WebSocket classes that take it (`ws`). */
  maxPayload: number;
  /** Milliseconds from the attempt's start to acceptance before it is abandoned. */
  connectTimeout: number;
  /**
   * Whether the server accepts a connection with a frame that decodes to `accepted`;
   * false when it sends none, and a connection is accepted as soon as its socket opens.
   */
  acceptance: boolean;
  scheduler: SchedulerLike | undefined;
  /** Reads a parsed frame: the adapter's one decode of it. Never throws. */
  decode(message: unknown): Inbound;
  /** The frames that open a connection, sent as soon as the socket opens. May throw. */
  hello(context: WireContext): readonly unknown[];
  /** Told once per socket that opened, when it closed. */
  closed(close: WireClose): void;
  /** A message arrived, parsed from JSON and decoded (acceptance and pongs excepted). */
  onMessage(message: unknown, inbound: Inbound): void;
  /**
   * The socket stopped being writable (closing, closed or torn down). It may be told
   * late, after a newer socket opened: compare the handle.
   */
  onClosing(socket: OpenSocket): void;
  onFrameIn(bytes: number): void;
  onFrameOut(bytes: number): void;
  onDecodeError(error: DecodeError): void;
  onRoundTrip(rtt: number): void;
}

/** An open socket as the client sees it. */
export interface OpenSocket {
  readonly protocol: string;
  canSend(): boolean;
  send(frame: string): void;
}

/**
 * One connection attempt over a `WebSocketSubject`: emits the {@link OpenSocket} once
 * the connection is accepted (the server's acceptance frame, or the socket opening when
 * the server sends none), and nothing else: every inbound message goes, parsed from
 * JSON, to `hooks.onMessage`, so that the stream of attempts carries typed lifecycle
 * values and the messages take the shortest path to their channel. Errors with
 * {@link ConnectTimeoutError} when it is not accepted within `connectTimeout`, with
 * {@link ConnectionClosedError} when the socket closes or fails (`phase` says whether
 * it had been accepted), and with {@link HeartbeatTimeoutError} when it goes silent
 * after acceptance. Unsubscribing closes it with 1000.
 */
export function openSocket(target: SocketTarget, hooks: SocketHooks, context: WireContext): Observable<OpenSocket> {
  return new Observable<OpenSocket>((subscriber) => {
    const attempt = new SocketAttempt(target, hooks, context, subscriber);
    return () => attempt.teardown();
  });
}

/** One attempt's socket: its raw WebSocket, its deadline, its acceptance, its end. */
class SocketAttempt implements OpenSocket {
  private raw: WebSocketLike | undefined;
  private lastClose: { code: number; reason: string } | undefined;
  private terminateTimer: Subscription | undefined;
  private failed = false;
  private accepted = false;
  private opened = false;
  private told = false;
  /**
   * The frame on its way through the heartbeat, with its length: the heartbeat sees
   * the decoded frame, synchronously, and hands it on with the parsed one kept here.
   */
  private current: unknown;
  private currentLength = 0;
  private readonly scheduler: SchedulerLike;
  /** Connecting has its own deadline, from the attempt's start to acceptance. */
  private readonly connectTimer: Subscription;
  /** Frames after acceptance, decoded, on their way through the heartbeat. */
  private readonly afterAcceptance = new Subject<Inbound>();
  private live: Subscription | undefined;
  private readonly subject: WebSocketSubject<unknown>;
  private readonly inner: Subscription;

  constructor(
    target: SocketTarget,
    private readonly hooks: SocketHooks,
    private readonly context: WireContext,
    private readonly subscriber: Subscriber<OpenSocket>,
  ) {
    this.scheduler = hooks.scheduler ?? asyncScheduler;
    this.connectTimer = this.scheduler.schedule(() => this.fail(new ConnectTimeoutError(hooks.connectTimeout)), hooks.connectTimeout);
    this.subject = this.createSubject(target);
    this.inner = this.subject.subscribe({
      next: (data) => this.onFrame(data),
      error: (error: unknown) => this.fail(toConnectionError(error, this.lastClose, this.accepted)),
      complete: () => {
        const { code, reason } = this.lastClose ?? { code: CloseCode.AbnormalClosure, reason: '' };
        this.fail(new ConnectionClosedError(code, reason, undefined, this.accepted ? 'open' : 'connecting'));
      },
    });
  }

  get protocol(): string {
    return this.raw?.protocol ?? '';
  }

  canSend(): boolean {
    return this.accepted && this.raw?.readyState === 1;
  }

  send(frame: string): void {
    this.subject.next(frame);
    this.hooks.onFrameOut(frameSize(frame));
  }

  /** Writes a protocol-level frame (handshake, reply) on the open socket, accepted or not. */
  private sendFrame(frame: unknown): void {
    const text: string | undefined = JSON.stringify(frame);
    if (text !== undefined && this.raw?.readyState === 1) this.send(text);
  }

  /** Unsubscribed: closes with 1000 and waits `closeTimeout` for the server's answer. */
  teardown(): void {
    this.connectTimer.unsubscribe();
    this.live?.unsubscribe();
    this.hooks.onClosing(this);
    const socket = this.raw;
    // Closed by the client (no close event came first): the adapter hears it now.
    if (this.failed) this.tellClosed(this.lastClose?.code ?? CloseCode.AbnormalClosure, this.lastClose?.reason ?? '');
    else this.tellClosed(CloseCode.NormalClosure, 'closed by the client');
    if (this.failed || !socket) {
      // The connection is already gone or was never answered: do not wait for a
      // closing handshake that will not come.
      if (socket && socket.readyState < 2) socket.terminate ? socket.terminate() : socket.close();
    } else if (socket.readyState === 1) {
      this.subject.error({ code: CloseCode.NormalClosure, reason: 'normal closure' });
      if (socket.terminate) {
        const terminate = socket.terminate.bind(socket);
        this.terminateTimer = this.scheduler.schedule(() => {
          if (socket.readyState !== 3) terminate();
        }, this.hooks.closeTimeout);
      }
    }
    this.inner.unsubscribe();
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.subscriber.error(error);
  }

  /** Every frame is parsed and decoded once, here; the heartbeat reuses the decoding. */
  private onFrame(data: unknown): void {
    const message = parseFrame(data, this.hooks);
    if (message === INVALID) return;
    const inbound = this.hooks.decode(message);
    if (this.accepted) {
      this.current = message;
      this.currentLength = typeof data === 'string' ? data.length : Infinity;
      return this.afterAcceptance.next(inbound);
    }
    // Before acceptance only the acceptance frame is looked for; anything else is
    // handled as it comes (rxwire's server sends nothing before it).
    if (this.hooks.acceptance && inbound.kind === 'accepted') this.accept();
    else this.deliver(message, inbound);
  }

  private deliver(message: unknown, inbound: Inbound): void {
    if (inbound.kind === 'reply') for (const frame of inbound.frames) this.sendFrame(frame);
    this.hooks.onMessage(message, inbound);
  }

  /** The socket opened: the handshake goes out, and without an acceptance frame it is accepted. */
  private onOpen(): void {
    this.opened = true;
    let hello: readonly unknown[];
    try {
      hello = this.hooks.hello(this.context);
    } catch (error) {
      // A throwing adapter fails the attempt, as a callback of RxJS's own operators would.
      return this.fail(error);
    }
    for (const frame of hello) this.sendFrame(frame);
    if (!this.hooks.acceptance) this.accept();
  }

  /** Accepted: the heartbeat starts (its silence budget from now) and the socket is announced. */
  private accept(): void {
    this.accepted = true;
    this.connectTimer.unsubscribe();
    this.live = this.heartbeat(this.afterAcceptance).subscribe({
      next: (inbound) => {
        // A later acceptance frame (an rxwire `welcome` is sent once) means nothing more.
        if (inbound.kind !== 'accepted') this.deliver(this.current, inbound);
      },
      error: (error: unknown) => this.fail(error),
    });
    this.subscriber.next(this);
  }

  private heartbeat(frames: Observable<Inbound>): Observable<Inbound> {
    const hb = this.hooks.heartbeat;
    if (!hb) return frames;
    const ping: string | undefined = JSON.stringify(hb.ping);
    const userIsPong = hb.isPong;
    return frames.pipe(
      heartbeat<Inbound>({
        interval: hb.interval,
        timeout: hb.timeout,
        scheduler: this.hooks.scheduler,
        send: () => {
          if (ping !== undefined && this.canSend()) this.send(ping);
        },
        isPong: userIsPong
          ? () => this.currentLength <= MAX_PONG_LENGTH && userIsPong(this.current)
          : (inbound) => inbound.kind === 'pong',
        onRoundTrip: this.hooks.onRoundTrip,
      }),
    );
  }

  /** Tells the adapter, once, that a socket that opened is closed. */
  private tellClosed(code: number, reason: string): void {
    if (!this.opened || this.told) return;
    this.told = true;
    this.hooks.closed({ code, reason, accepted: this.accepted });
  }

  private createSubject(target: SocketTarget): WebSocketSubject<unknown> {
    const { hooks } = this;
    const Ctor = hooks.WebSocketCtor;
    // Wrapping the constructor keeps a handle on the raw socket (for terminate() and
    // readyState) and lets Node's `ws` receive headers that WebSocketSubject cannot pass.
    // WebSocketSubject calls it with `new`: a function, not an arrow.
    const keep = (socket: WebSocketLike): WebSocketLike => (this.raw = socket);
    const capture = function (url: string, protocols?: string | string[]) {
      // Only `ws` takes options (a browser's WebSocket takes none); it has terminate().
      const takesOptions = typeof (Ctor.prototype as { terminate?: unknown } | undefined)?.terminate === 'function';
      return keep(takesOptions ? new Ctor(url, protocols, { headers: target.headers, maxPayload: hooks.maxPayload }) : new Ctor(url, protocols));
    } as unknown as new (url: string, protocols?: string | string[]) => WebSocket;
    return webSocket<unknown>({
      url: target.url,
      protocol: target.protocols.length > 0 ? target.protocols : undefined,
      WebSocketCtor: capture,
      binaryType: 'arraybuffer',
      serializer: (frame) => frame as string,
      deserializer: (event) => event.data,
      openObserver: { next: () => this.onOpen() },
      closingObserver: { next: () => hooks.onClosing(this) },
      closeObserver: {
        next: (event: CloseEvent) => {
          this.lastClose = { code: event.code, reason: event.reason };
          this.terminateTimer?.unsubscribe();
          hooks.onClosing(this);
          this.tellClosed(event.code, event.reason);
        },
      },
    });
  }
}
