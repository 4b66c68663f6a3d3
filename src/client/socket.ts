import { Observable, SchedulerLike, Subject, Subscription, asyncScheduler } from 'rxjs';
import { webSocket, WebSocketSubject } from 'rxjs/webSocket';
import { heartbeat } from '../operators/heartbeat';
import { deeperThan } from '../protocol/validate';
import { ConnectTimeoutError, ConnectionClosedError, DecodeError, HeartbeatTimeoutError, InvalidOptionsError } from '../protocol/errors';
import { CloseCode, closeCodeOfWsError } from '../protocol/closeCodes';
import { frameSize } from '../internal/utf8';
import type { ClientHeartbeatOptions, WebSocketConstructor, WebSocketLike } from './types';

/** Where and how one connection attempt connects. */
export interface SocketTarget {
  url: string;
  protocols: string[];
  headers: Record<string, string> | undefined;
}

/** The hooks through which one socket reports to its client. */
export interface SocketHooks {
  WebSocketCtor: WebSocketConstructor;
  heartbeat: Required<ClientHeartbeatOptions> | false;
  closeTimeout: number;
  /** Frames nested deeper than this are dropped and reported. */
  maxDepth: number;
  /** The largest inbound frame, passed to WebSocket classes that take it (`ws`). */
  maxPayload: number;
  /** Milliseconds from the attempt's start to acceptance before it is abandoned. */
  connectTimeout: number;
  /**
   * Whether a parsed frame is the server's acceptance; undefined when the server sends
   * none, and a connection is accepted as soon as its socket opens.
   */
  isAcceptance: ((message: unknown) => boolean) | undefined;
  scheduler: SchedulerLike | undefined;
  /** A message arrived, parsed from JSON. */
  onMessage(message: unknown): void;
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

const INVALID: unique symbol = Symbol('rxwire.invalid');
// Pongs are tiny; longer frames are not parsed twice on the hot path.
const MAX_PONG_LENGTH = 256;

function parseFrame(data: unknown, hooks: SocketHooks): unknown {
  hooks.onFrameIn(frameSize(data));
  if (typeof data !== 'string') {
    hooks.onDecodeError(new DecodeError('binary frames are not part of the JSON envelope', data));
    return INVALID;
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (cause) {
    hooks.onDecodeError(new DecodeError(`invalid JSON (${(cause as Error).message})`, clip(data), cause));
    return INVALID;
  }
  if (deeperThan(value, hooks.maxDepth)) {
    hooks.onDecodeError(new DecodeError(`nested deeper than ${hooks.maxDepth} levels (maxDepth)`, clip(data)));
    return INVALID;
  }
  return value;
}

function clip(text: string): string {
  return text.length > 1024 ? `${text.slice(0, 1024)}…` : text;
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
export function openSocket(target: SocketTarget, hooks: SocketHooks): Observable<OpenSocket> {
  const scheduler = hooks.scheduler ?? asyncScheduler;
  return new Observable<OpenSocket>((subscriber) => {
    let raw: WebSocketLike | undefined;
    let lastClose: { code: number; reason: string } | undefined;
    let terminateTimer: Subscription | undefined;
    let failed = false;
    let accepted = false;

    const Ctor = hooks.WebSocketCtor;
    // Wrapping the constructor keeps a handle on the raw socket (for terminate() and
    // readyState) and lets Node's `ws` receive headers that WebSocketSubject cannot pass.
    const capture = function (url: string, protocols?: string | string[]) {
      // Only `ws` takes options (a browser's WebSocket takes none); it has terminate().
      const takesOptions = typeof (Ctor.prototype as { terminate?: unknown } | undefined)?.terminate === 'function';
      raw = takesOptions ? new Ctor(url, protocols, { headers: target.headers, maxPayload: hooks.maxPayload }) : new Ctor(url, protocols);
      return raw;
    } as unknown as new (url: string, protocols?: string | string[]) => WebSocket;

    const canSend = (): boolean => accepted && raw?.readyState === 1;
    const send = (frame: string): void => {
      subject.next(frame);
      hooks.onFrameOut(frameSize(frame));
    };
    const handle: OpenSocket = {
      get protocol() {
        return raw?.protocol ?? '';
      },
      canSend,
      send,
    };
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      subscriber.error(error);
    };
    // Connecting has its own deadline, from the attempt's start to acceptance.
    const connectTimer = scheduler.schedule(() => fail(new ConnectTimeoutError(hooks.connectTimeout)), hooks.connectTimeout);

    // After acceptance, frames go through the heartbeat (whose silence budget starts
    // then), are parsed, and are delivered.
    const afterAcceptance = new Subject<unknown>();
    const hb = hooks.heartbeat;
    const ping: string | undefined = hb ? JSON.stringify(hb.ping) : undefined;
    const live: Observable<unknown> = hb
      ? afterAcceptance.pipe(
          heartbeat<unknown>({
            interval: hb.interval,
            timeout: hb.timeout,
            scheduler: hooks.scheduler,
            send: () => {
              if (ping !== undefined && canSend()) send(ping);
            },
            isPong: (data) => typeof data === 'string' && data.length <= MAX_PONG_LENGTH && isPongFrame(data, hb.isPong),
            onRoundTrip: hooks.onRoundTrip,
          }),
        )
      : afterAcceptance;
    let liveSubscription: Subscription | undefined;
    const accept = (): void => {
      accepted = true;
      connectTimer.unsubscribe();
      liveSubscription = live.subscribe({
        next: (data) => {
          const message = parseFrame(data, hooks);
          if (message !== INVALID) hooks.onMessage(message);
        },
        error: fail,
      });
      subscriber.next(handle);
    };

    const subject: WebSocketSubject<unknown> = webSocket<unknown>({
      url: target.url,
      protocol: target.protocols.length > 0 ? target.protocols : undefined,
      WebSocketCtor: capture,
      binaryType: 'arraybuffer',
      serializer: (frame) => frame as string,
      deserializer: (event) => event.data,
      openObserver: {
        next: () => {
          if (!hooks.isAcceptance) accept();
        },
      },
      closingObserver: { next: () => hooks.onClosing(handle) },
      closeObserver: {
        next: (event: CloseEvent) => {
          lastClose = { code: event.code, reason: event.reason };
          terminateTimer?.unsubscribe();
          hooks.onClosing(handle);
        },
      },
    });

    const inner = subject.subscribe({
      next: (data) => {
        if (accepted) return afterAcceptance.next(data);
        // Before acceptance only the acceptance frame is looked for; anything else is
        // delivered as it comes (rxwire's server sends nothing before it).
        const message = parseFrame(data, hooks);
        if (message === INVALID) return;
        if (hooks.isAcceptance?.(message)) accept();
        else hooks.onMessage(message);
      },
      error: (error: unknown) => fail(toConnectionError(error, lastClose, accepted)),
      complete: () => {
        const { code, reason } = lastClose ?? { code: CloseCode.AbnormalClosure, reason: '' };
        fail(new ConnectionClosedError(code, reason, undefined, accepted ? 'open' : 'connecting'));
      },
    });

    return () => {
      connectTimer.unsubscribe();
      liveSubscription?.unsubscribe();
      hooks.onClosing(handle);
      const socket = raw;
      if (failed || !socket) {
        // The connection is already gone or was never answered: do not wait for a
        // closing handshake that will not come.
        if (socket && socket.readyState < 2) socket.terminate ? socket.terminate() : socket.close();
        inner.unsubscribe();
        return;
      }
      if (socket.readyState === 1) {
        subject.error({ code: CloseCode.NormalClosure, reason: 'normal closure' });
        if (socket.terminate) {
          const terminate = socket.terminate.bind(socket);
          terminateTimer = scheduler.schedule(() => {
            if (socket.readyState !== 3) terminate();
          }, hooks.closeTimeout);
        }
      }
      inner.unsubscribe();
    };
  });
}

function isPongFrame(data: string, isPong: (message: unknown) => boolean): boolean {
  try {
    return isPong(JSON.parse(data));
  } catch {
    return false;
  }
}

function toConnectionError(error: unknown, lastClose: { code: number; reason: string } | undefined, accepted: boolean): unknown {
  if (error instanceof HeartbeatTimeoutError || error instanceof ConnectionClosedError) return error;
  // The WebSocket constructor refused the URL or protocols (a token that is not a valid
  // subprotocol token, say): retrying cannot help. Browsers throw a DOMException named
  // SyntaxError, which is not `instanceof SyntaxError`.
  const name = (error as { name?: unknown } | null)?.name;
  if (error instanceof SyntaxError || error instanceof TypeError || ((name === 'SyntaxError' || name === 'TypeError') && typeof (error as Error).message === 'string')) {
    return new InvalidOptionsError(`the WebSocket could not be created: ${(error as Error).message}`);
  }
  const phase = accepted ? 'open' : 'connecting';
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'number') return new ConnectionClosedError(code, (error as { reason?: string }).reason ?? '', error, phase);
  // Node's ws puts what went wrong (ECONNREFUSED, a refused frame) on the error event;
  // a browser says nothing more than that there was an error.
  const underlying = (error as { error?: unknown })?.error;
  const detail = underlying instanceof Error ? underlying : undefined;
  // ws refused a frame (too big, invalid UTF-8): it closed with that code, though the
  // close event that follows will read 1006.
  const sent = closeCodeOfWsError((detail as { code?: unknown } | undefined)?.code);
  if (sent !== undefined) return new ConnectionClosedError(sent, detail!.message, detail, phase);
  return new ConnectionClosedError(lastClose?.code ?? CloseCode.AbnormalClosure, lastClose?.reason || detail?.message || '', detail ?? error, phase);
}
