import { Observable, SchedulerLike, Subscription, asyncScheduler } from 'rxjs';
import { webSocket, WebSocketSubject } from 'rxjs/webSocket';
import { heartbeat } from '../operators/heartbeat';
import { deeperThan } from '../protocol/validate';
import { ConnectionClosedError, DecodeError, HeartbeatTimeoutError, InvalidOptionsError } from '../protocol/errors';
import { CloseCode, closeCodeOfWsError } from '../protocol/closeCodes';
import { frameSize } from '../internal/utf8';
import type { ClientHeartbeatOptions, WebSocketConstructor, WebSocketLike } from './types';

/** Emitted first by {@link openSocket} when the socket opens, before any message. */
export const OPENED: unique symbol = Symbol('rxwire.opened');

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
  scheduler: SchedulerLike | undefined;
  /** The socket opened: `send` writes a frame on it. */
  onOpen(socket: OpenSocket): void;
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
 * One connection attempt over a `WebSocketSubject`: emits {@link OPENED} when the
 * socket opens, then every inbound message parsed from JSON. Errors with
 * {@link ConnectionClosedError} when the socket closes or fails, and with
 * {@link HeartbeatTimeoutError} when it goes silent. Unsubscribing closes it with 1000.
 */
export function openSocket(target: SocketTarget, hooks: SocketHooks): Observable<unknown> {
  const scheduler = hooks.scheduler ?? asyncScheduler;
  return new Observable<unknown>((subscriber) => {
    let raw: WebSocketLike | undefined;
    let lastClose: { code: number; reason: string } | undefined;
    let terminateTimer: Subscription | undefined;
    let failed = false;

    const Ctor = hooks.WebSocketCtor;
    // Wrapping the constructor keeps a handle on the raw socket (for terminate() and
    // readyState) and lets Node's `ws` receive headers that WebSocketSubject cannot pass.
    const capture = function (url: string, protocols?: string | string[]) {
      // Only `ws` takes options (a browser's WebSocket takes none); it has terminate().
      const takesOptions = typeof (Ctor.prototype as { terminate?: unknown } | undefined)?.terminate === 'function';
      raw = takesOptions ? new Ctor(url, protocols, { headers: target.headers, maxPayload: hooks.maxPayload }) : new Ctor(url, protocols);
      return raw;
    } as unknown as new (url: string, protocols?: string | string[]) => WebSocket;

    const canSend = (): boolean => raw?.readyState === 1;
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

    const subject: WebSocketSubject<unknown> = webSocket<unknown>({
      url: target.url,
      protocol: target.protocols.length > 0 ? target.protocols : undefined,
      WebSocketCtor: capture,
      binaryType: 'arraybuffer',
      serializer: (frame) => frame as string,
      deserializer: (event) => event.data,
      openObserver: {
        next: () => {
          subscriber.next(OPENED);
          hooks.onOpen(handle);
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

    const hb = hooks.heartbeat;
    const ping: string | undefined = hb ? JSON.stringify(hb.ping) : undefined;
    let inbound: Observable<unknown> = subject;
    if (hb) {
      inbound = subject.pipe(
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
      );
    }

    const inner = inbound.subscribe({
      next: (data) => {
        const message = parseFrame(data, hooks);
        if (message !== INVALID) subscriber.next(message);
      },
      error: (error: unknown) => {
        failed = true;
        subscriber.error(toConnectionError(error, lastClose));
      },
      complete: () => {
        failed = true;
        const { code, reason } = lastClose ?? { code: CloseCode.AbnormalClosure, reason: '' };
        subscriber.error(new ConnectionClosedError(code, reason));
      },
    });

    return () => {
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

function toConnectionError(error: unknown, lastClose: { code: number; reason: string } | undefined): unknown {
  if (error instanceof HeartbeatTimeoutError || error instanceof ConnectionClosedError) return error;
  if (error instanceof SyntaxError || error instanceof TypeError) {
    // The WebSocket constructor refused the URL or protocols: retrying cannot help.
    return new InvalidOptionsError(`the WebSocket could not be created: ${error.message}`);
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'number') return new ConnectionClosedError(code, (error as { reason?: string }).reason ?? '', error);
  // ws refused a frame (too big, invalid UTF-8): it closed with that code, though the
  // close event that follows will read 1006.
  const refused = (error as { error?: { code?: unknown; message?: string } })?.error;
  const sent = closeCodeOfWsError(refused?.code);
  if (sent !== undefined) return new ConnectionClosedError(sent, refused?.message ?? '', error);
  return new ConnectionClosedError(lastClose?.code ?? CloseCode.AbnormalClosure, lastClose?.reason ?? '', error);
}
