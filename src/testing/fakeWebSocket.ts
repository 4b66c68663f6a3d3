import { Observable, SchedulerLike, Subject, asyncScheduler, filter, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { WebSocketConstructor, WebSocketLike } from '../client/types';

/** A close the fake server performs, for use as a value in a {@link FakeWebSocketKit.script} marble. */
export interface FakeClose {
  /** Marks the value as a close. */
  readonly kind: 'close';
  /** The close code the client sees. */
  readonly code: number;
  /** The close reason the client sees. */
  readonly reason: string;
  /** Whether the close handshake completed (false for a dropped connection). */
  readonly wasClean: boolean;
}

/**
 * A value for a script marble that makes the fake server close the connection.
 *
 * @param code - the close code, e.g. 1008 or 4401.
 * @param reason - the close reason.
 * @param wasClean - false to simulate a connection lost without a close frame.
 *
 * @example
 * ```ts
 * kit.script('-o--x', { x: closeWith(4401, 'token expired') }); // refused at 4: the client retries with a fresh token
 * kit.script('-o--x', { x: closeWith(1013) }); // "try again later": retried with backoff
 * ```
 */
export function closeWith(code: number, reason = '', wasClean = code !== 1006): FakeClose {
  return { kind: 'close', code, reason, wasClean };
}

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

/** What {@link createFakeWebSocket} returns. */
export interface FakeWebSocketKit {
  /** Pass this as the client's `WebSocketCtor`. */
  readonly WebSocketCtor: WebSocketConstructor;
  /** Every socket created so far, in order. */
  readonly sockets: readonly FakeSocket[];
  /**
   * The lifetime of every socket, live: pass it to `expectSubscriptions` to assert
   * frame by frame when each connection was made and closed.
   */
  readonly socketLogs: SocketLog[];
  /**
   * Scripts the server's side of the next socket the client creates (the first
   * unscripted one), as a marble diagram read from the socket's creation:
   * `o` accepts the connection (opens it and sends rxwire's `welcome` frame), `O` only
   * opens it (the client stays connecting), `|` closes it normally (1000), `#` drops it (1006),
   * any other character sends `values[char]` (or a {@link closeWith} value closes
   * with that code). A socket with no script stays connecting forever.
   *
   * @example
   * ```ts
   * kit.script('-o--a--b', { a: { n: 1 }, b: { n: 2 } });
   * kit.script('-o-' + '#');          // the second connection drops at once
   * ```
   */
  script(marbles: string, values?: Record<string, unknown>): void;
  /**
   * The frames the client sends on socket `index` (0-based), parsed from JSON
   * where they are JSON, at the frame they are sent. Subscribe before they are sent
   * (as `expectObservable` does at frame 0).
   */
  sent$(index: number): Observable<unknown>;
}

/** Options of {@link createFakeWebSocket}. */
export interface FakeWebSocketOptions {
  /**
   * The scheduler the scripts run on. Inside `TestScheduler.run` the default is virtual.
   * @defaultValue asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * A fake WebSocket class and the server side that scripts it, driven by a scheduler,
 * so a whole client runs in virtual time under `TestScheduler.run`: script what the
 * server sends and when it closes as marble diagrams, then assert what the client
 * sent and when it connected.
 *
 * @example
 * ```ts
 * new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ expectObservable, expectSubscriptions }) => {
 *   const kit = createFakeWebSocket();
 *   kit.script('-o-a', { a: { hello: 'world' } });
 *   const client = createClient({ url: 'ws://test', WebSocketCtor: kit.WebSocketCtor, heartbeat: false });
 *   expectObservable(client.messages$.pipe(take(1))).toBe('---(a|)', { a: { hello: 'world' } });
 *   expectSubscriptions(kit.socketLogs).toBe('^--!');
 * });
 * ```
 */
export function createFakeWebSocket(options: FakeWebSocketOptions = {}): FakeWebSocketKit {
  const { scheduler = asyncScheduler } = options;
  const sockets: FakeSocketImpl[] = [];
  const socketLogs: SocketLog[] = [];
  const scripts: Array<{ marbles: string; values: Record<string, unknown> }> = [];
  const sentFrames = new Subject<{ index: number; data: unknown }>();
  const frame = (): number => scheduler.now();

  class FakeSocketImpl implements FakeSocket {
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
      readonly url: string,
      protocols?: string | string[],
      init?: { headers?: Record<string, string> },
    ) {
      this.protocols = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols;
      this.headers = init?.headers;
      this.index = sockets.length;
      this.log = { subscribedFrame: frame(), unsubscribedFrame: Infinity };
      sockets.push(this);
      socketLogs.push(this.log);
      const script = scripts.shift();
      if (script) this.play(script.marbles, script.values);
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
      sentFrames.next({ index: this.index, data });
    }

    close(code?: number, reason = ''): void {
      if (this.readyState >= 2) return;
      const wasOpen = this.readyState === 1;
      this.clientCloseCode = code ?? 1005;
      this.readyState = 2;
      // A real socket reports its close asynchronously: here, in the same frame.
      scheduler.schedule(() => {
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
      if (this.log.unsubscribedFrame === Infinity) this.log.unsubscribedFrame = frame();
    }

    private play(marbles: string, values: Record<string, unknown>): void {
      // Characters with no value stand for themselves; `o` accepts and `O` only opens,
      // unless they have a value.
      const all: Record<string, unknown> = { ...Object.fromEntries([...marbles].map((c) => [c, c])), o: ACCEPT, O: OPEN, ...values };
      const messages = TestScheduler.parseMarbles(marbles, all, closeWith(1006, '', false), false, true);
      for (const { frame: at, notification } of messages) {
        scheduler.schedule(() => {
          if (notification.kind === 'E') this.serverClose(notification.error as FakeClose);
          else if (notification.kind === 'C') this.serverClose(closeWith(1000, 'normal closure'));
          else {
            const value = notification.value;
            if (value === ACCEPT) this.accept();
            else if (value === OPEN) this.open();
            else if (isFakeClose(value)) this.serverClose(value);
            else this.receive(value);
          }
        }, at);
      }
    }
  }

  return {
    WebSocketCtor: FakeSocketImpl,
    sockets,
    socketLogs,
    script(marbles, values = {}) {
      scripts.push({ marbles, values });
    },
    sent$(index) {
      return sentFrames.pipe(
        filter((sent) => sent.index === index),
        map(({ data }) => {
          if (typeof data !== 'string') return data;
          try {
            return JSON.parse(data);
          } catch {
            return data;
          }
        }),
      );
    },
  };
}

const ACCEPT: unique symbol = Symbol('rxwire.fake.accept');
const OPEN: unique symbol = Symbol('rxwire.fake.open');
/** rxwire's acceptance frame, as the fake server sends it on `accept()`. */
const WELCOME = { type: 'welcome', connection: 'fake', ping: 30_000 };

function isFakeClose(value: unknown): value is FakeClose {
  return typeof value === 'object' && value !== null && (value as FakeClose).kind === 'close';
}
