import type { SchedulerLike } from 'rxjs';
import type { WebSocketLike } from '../client/types';
import type { FakeClose } from './fakeClose';

/** The lifetime of one fake socket in frames, shaped for `expectSubscriptions`. */
export interface SocketLog {
  /** The frame at which the client created the socket. */
  subscribedFrame: number;
  /** The frame at which the socket closed, by either side; `Infinity` while open. */
  unsubscribedFrame: number;
}

/** One socket the client created, as the fake server sees it. */
export interface FakeSocket extends WebSocketLike {
  /** The URL the client connected to. */
  readonly url: string;
  /** The subprotocols the client offered. */
  readonly protocols: readonly string[];
  /** The headers the client passed (only with `auth.via: 'header'`). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Every frame the client sent on this socket, as sent. */
  readonly sent: readonly unknown[];
  /** The close code the client closed with, if the client closed it. */
  readonly clientCloseCode: number | undefined;
  /**
   * Accepts the connection as an rxwire server does: opens it, then sends the
   * acceptance frame (`{"type":"welcome"}`), after which the client is `open`.
   */
  accept(): void;
  /**
   * Opens the connection without accepting it: the client stays `connecting` (as with
   * a server that is about to refuse it, or one that speaks no acceptance frame).
   */
  open(): void;
  /** Sends a frame from the server: strings as they are, anything else as JSON. */
  receive(data: unknown): void;
  /** Closes the connection from the server side. */
  serverClose(close: FakeClose): void;
}

/** What a fake socket needs of the kit that made it. */
export interface SocketHost {
  readonly scheduler: SchedulerLike;
  /** Records a new socket: its index among the kit's sockets and its log. */
  register(socket: FakeSocketImpl): { index: number; log: SocketLog };
  /** Reports a frame the client sent on socket `index`. */
  sent(index: number, data: unknown): void;
}

/** rxwire's acceptance frame, as the fake server sends it on `accept()`. */
const WELCOME = { type: 'welcome', connection: 'fake', ping: 30_000 };

/**
 * A fake socket: the WebSocket the client uses (`send`, `close`, `terminate`, the `on*`
 * handlers) and the server's handle on it (`accept`, `open`, `receive`, `serverClose`).
 */
export class FakeSocketImpl implements FakeSocket {
  readyState = 0;
  bufferedAmount = 0;
  protocol = '';
  binaryType = 'blob';
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  readonly sent: unknown[] = [];
  readonly protocols: readonly string[];
  readonly headers: Readonly<Record<string, string>> | undefined;
  clientCloseCode: number | undefined;
  private readonly index: number;
  private readonly log: SocketLog;

  constructor(
    private readonly host: SocketHost,
    readonly url: string,
    protocols?: string | string[],
    init?: { headers?: Record<string, string> },
  ) {
    this.protocols = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols;
    this.headers = init?.headers;
    ({ index: this.index, log: this.log } = host.register(this));
  }

  accept(): void {
    if (this.readyState !== 0) return;
    this.open();
    this.receive(WELCOME);
  }

  open(): void {
    if (this.readyState !== 0) return;
    this.readyState = 1;
    this.protocol = this.protocols[0] ?? '';
    this.onopen?.({ type: 'open' });
  }

  receive(data: unknown): void {
    if (this.readyState !== 1) return;
    this.onmessage?.({ type: 'message', data: typeof data === 'string' ? data : JSON.stringify(data) });
  }

  serverClose(close: FakeClose): void {
    if (this.readyState === 3) return;
    this.finish();
    if (!close.wasClean) this.onerror?.({ type: 'error' });
    this.onclose?.({ type: 'close', code: close.code, reason: close.reason, wasClean: close.wasClean });
  }

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.readyState !== 1) throw new Error('fake WebSocket: send() while not open');
    this.sent.push(data);
    this.host.sent(this.index, data);
  }

  close(code?: number, reason = ''): void {
    if (this.readyState >= 2) return;
    const wasOpen = this.readyState === 1;
    this.clientCloseCode = code ?? 1005;
    this.readyState = 2;
    // A real socket reports its close asynchronously: here, in the same frame.
    this.host.scheduler.schedule(() => {
      this.finish();
      if (!wasOpen) this.onerror?.({ type: 'error' });
      this.onclose?.({ type: 'close', code: wasOpen ? (code ?? 1005) : 1006, reason, wasClean: wasOpen });
    });
  }

  terminate(): void {
    if (this.readyState === 3) return;
    this.clientCloseCode ??= 1006;
    this.finish();
    this.onclose?.({ type: 'close', code: 1006, reason: '', wasClean: false });
  }

  private finish(): void {
    this.readyState = 3;
    if (this.log.unsubscribedFrame === Infinity) this.log.unsubscribedFrame = this.host.scheduler.now();
  }
}
