import { Observable, SchedulerLike, Subscriber, Subscription, asyncScheduler } from 'rxjs';
import { HeartbeatClock } from '../operators/heartbeat';
import { ConnectTimeoutError, ConnectionClosedError, DecodeError, type HeartbeatTimeoutError } from '../protocol/errors';
import { CloseCode } from '../protocol/closeCodes';
import { toConnectionError } from './connectionError';
import { frameSize } from '../internal/utf8';
import { reportUnhandled } from '../internal/reportUnhandled';
import type { Inbound, WireClose, WireContext } from '../protocol/adapter';
import { FrameBatch, INVALID, MAX_PONG_LENGTH, parseFrame, parseText, tooDeepAlone } from './inboundFrame';
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
  /** The frames a parsed frame carries when it is a batch, else undefined. Never throws. */
  unbatch(message: unknown): readonly unknown[] | undefined;
  /** A batch of `frames` frames arrived (the batch itself was counted by `onFrameIn`). */
  onBatchIn(frames: number): void;
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
 * One connection attempt over a WebSocket: emits the {@link OpenSocket} once
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

/** The adapter's reading of a pong. */
const isPongFrame = (inbound: Inbound): boolean => inbound.kind === 'pong';

/** What a send that threw without a close code fails the attempt with (RxJS's `WebSocketSubject` wording). */
const INVALID_ERROR_OBJECT = 'WebSocketSubject.error must be called with an object with an error code, and an optional reason: { code: number, reason: string }';

/** `ws`'s own message event: a text frame as its UTF-8 Buffer, a binary one as `binaryType` says. */
interface WsEvents {
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
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
  /**
   * The heartbeat once accepted, fed each frame directly: no operator chain, subscribers
   * or closures per attempt, where piping the frames through `heartbeat` built them.
   */
  private clock: HeartbeatClock<Inbound> | undefined;
  /**
   * Torn down: the socket's events change nothing any more (their handlers stay set, so
   * that a late `error` event of `ws` is not an unhandled one).
   */
  private over = false;

  constructor(
    target: SocketTarget,
    private readonly hooks: SocketHooks,
    private readonly context: WireContext,
    private readonly subscriber: Subscriber<OpenSocket>,
  ) {
    this.scheduler = hooks.scheduler ?? asyncScheduler;
    this.connectTimer = this.scheduler.schedule(() => this.fail(new ConnectTimeoutError(hooks.connectTimeout)), hooks.connectTimeout);
    this.connect(target);
  }

  get protocol(): string {
    return this.raw?.protocol ?? '';
  }

  canSend(): boolean {
    return this.accepted && this.raw?.readyState === 1;
  }

  send(frame: string): void {
    const raw = this.raw;
    if (raw?.readyState === 1 && !this.over) {
      try {
        raw.send(frame);
      } catch (error) {
        this.sendFailed(raw, error);
      }
    }
    this.hooks.onFrameOut(frameSize(frame));
  }

  /**
   * A send that threw: as RxJS's `WebSocketSubject` did, the socket is closing, closed
   * with the error's code when it has one, and otherwise the attempt fails.
   */
  private sendFailed(raw: WebSocketLike, error: unknown): void {
    this.hooks.onClosing(this);
    const { code, reason } = (error ?? {}) as { code?: number; reason?: string };
    if (code) raw.close(code, reason);
    else this.fail(toConnectionError(new TypeError(INVALID_ERROR_OBJECT), this.lastClose, this.accepted));
  }

  /** Writes a protocol-level frame (handshake, reply) on the open socket, accepted or not. */
  private sendFrame(frame: unknown): void {
    const text: string | undefined = JSON.stringify(frame);
    if (text !== undefined && this.raw?.readyState === 1) this.send(text);
  }

  /** Unsubscribed: closes with 1000 and waits `closeTimeout` for the server's answer. */
  teardown(): void {
    if (this.over) return;
    this.connectTimer.unsubscribe();
    this.clock?.stop();
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
      socket.close(CloseCode.NormalClosure, 'normal closure');
      if (socket.terminate) {
        const terminate = socket.terminate.bind(socket);
        this.terminateTimer = this.scheduler.schedule(() => {
          if (socket.readyState !== 3) terminate();
        }, this.hooks.closeTimeout);
      }
    } else if (socket.readyState === 0) {
      // Still connecting: abandoned (the socket's close event comes later, or never).
      socket.close();
    }
    this.over = true;
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.subscriber.error(error);
  }

  /** Every frame is parsed and decoded once, here; the heartbeat reuses the decoding. */
  private onFrame(data: unknown): void {
    const message = parseFrame(data, this.hooks);
    if (message !== INVALID) this.onMessage(message, typeof data === 'string' ? data.length : Infinity);
  }

  /** A frame from `ws`'s own `message` event: a text frame's Buffer gives its size, uncounted. */
  private onWsFrame(data: unknown, isBinary: boolean): void {
    if (isBinary) return this.onFrame(data);
    const text = String(data);
    const message = parseText(text, (data as { length: number }).length, this.hooks);
    if (message !== INVALID) this.onMessage(message, text.length);
  }

  /** One parsed frame; a batch is read frame by frame, in order, each as if it had come alone. */
  private onMessage(message: unknown, length: number): void {
    const deep = message instanceof FrameBatch;
    const frames = deep ? message.frames : this.hooks.unbatch(message);
    if (frames === undefined) return this.onParsed(message, length);
    this.hooks.onBatchIn(frames.length);
    // A frame of a batch is never asked of a user's own isPong (which sees frames alone).
    for (const frame of frames) {
      if (this.over || this.failed) return;
      if (deep && tooDeepAlone(frame, this.hooks)) continue;
      try {
        this.onParsed(frame, Infinity);
      } catch (error) {
        // Thrown by code downstream of one frame: reported, as for a frame alone; the rest go on.
        reportUnhandled(error);
      }
    }
  }

  private onParsed(message: unknown, length: number): void {
    const inbound = this.hooks.decode(message);
    if (this.accepted) {
      const clock = this.clock;
      if (clock !== undefined) {
        this.current = message;
        this.currentLength = length;
        // As the heartbeat operator: a throwing isPong or onRoundTrip fails the connection.
        try {
          if (clock.seen(inbound)) return; // a pong
        } catch (error) {
          return this.fail(error);
        }
      }
      // A later acceptance frame (an rxwire `welcome` is sent once) means nothing more.
      if (inbound.kind !== 'accepted') this.deliver(message, inbound);
      return;
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
    const hb = this.hooks.heartbeat;
    if (hb) {
      const ping: string | undefined = JSON.stringify(hb.ping);
      const userIsPong = hb.isPong;
      const clock = new HeartbeatClock<Inbound>(
        {
          interval: hb.interval,
          timeout: hb.timeout,
          scheduler: this.hooks.scheduler,
          send: () => {
            if (ping !== undefined && this.canSend()) this.send(ping);
          },
          isPong: userIsPong ? () => this.currentLength <= MAX_PONG_LENGTH && userIsPong(this.current) : isPongFrame,
          onRoundTrip: this.hooks.onRoundTrip,
        },
        (error) => this.fail(error),
      );
      this.clock = clock;
      clock.start();
    }
    this.subscriber.next(this);
  }

  /** Tells the adapter, once, that a socket that opened is closed. */
  private tellClosed(code: number, reason: string): void {
    if (!this.opened || this.told) return;
    this.told = true;
    this.hooks.closed({ code, reason, accepted: this.accepted });
  }

  /**
   * Opens the raw socket and listens to it through its `on*` handlers (browsers, `ws` and
   * the testing fake all have them): one object per attempt and one call per frame, where
   * a `WebSocketSubject` built subjects, subscribers and a replay buffer per attempt and
   * passed every frame through five calls. The handlers behave as that subject's did: a
   * constructor that throws fails the attempt, `error` fails it, and `close` fails it
   * with a close error (`ConnectionClosedError` for a clean close).
   */
  private connect(target: SocketTarget): void {
    const { hooks } = this;
    const Ctor = hooks.WebSocketCtor;
    const protocols = target.protocols.length > 0 ? target.protocols : undefined;
    let socket: WebSocketLike;
    // Only `ws` takes options (a browser's WebSocket takes none); it has terminate(),
    // and it receives the headers a browser cannot send.
    const takesOptions = typeof (Ctor.prototype as { terminate?: unknown } | undefined)?.terminate === 'function';
    try {
      socket = takesOptions ? new Ctor(target.url, protocols, { headers: target.headers, maxPayload: hooks.maxPayload }) : new Ctor(target.url, protocols);
      this.raw = socket;
      socket.binaryType = 'arraybuffer';
    } catch (error) {
      return this.fail(toConnectionError(error, this.lastClose, this.accepted));
    }
    socket.onopen = () => {
      // Abandoned while connecting, and opened all the same: it is not wanted.
      if (this.over) return socket.close();
      this.onOpen();
    };
    if (takesOptions && typeof (socket as Partial<WsEvents>).on === 'function') {
      // `ws`: its own `message` event, without the MessageEvent its `onmessage` makes per
      // frame; `binaryType` applies to it too, and a text frame is its UTF-8 Buffer.
      (socket as unknown as WsEvents).on('message', (data, isBinary) => {
        if (this.over || this.failed) return;
        try {
          this.onWsFrame(data, isBinary);
        } catch (error) {
          // Thrown by code downstream: reported as RxJS reports what an observer throws.
          reportUnhandled(error);
        }
      });
    } else {
      socket.onmessage = (event: { data: unknown }) => {
        if (this.over || this.failed) return;
        try {
          this.onFrame(event.data);
        } catch (error) {
          reportUnhandled(error);
        }
      };
    }
    socket.onerror = (event: unknown) => {
      if (!this.over) this.fail(toConnectionError(event, this.lastClose, this.accepted));
    };
    socket.onclose = (event: CloseEvent) => {
      this.lastClose = { code: event.code, reason: event.reason };
      this.terminateTimer?.unsubscribe();
      hooks.onClosing(this);
      this.tellClosed(event.code, event.reason);
      if (this.over) return;
      if (event.wasClean) this.fail(new ConnectionClosedError(event.code, event.reason, undefined, this.accepted ? 'open' : 'connecting'));
      else this.fail(toConnectionError(event, this.lastClose, this.accepted));
    };
  }
}
