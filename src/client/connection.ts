import { BehaviorSubject, Observable, defer, finalize, share, switchMap, tap, type SchedulerLike } from 'rxjs';
import { reconnect, type ReconnectConfig } from '../operators/reconnect';
import { HEARTBEAT_DEFAULTS } from '../operators/heartbeat';
import { CloseCode, DEFAULT_FATAL_CLOSE_CODES, closeCodeOf } from '../protocol/closeCodes';
import { InvalidOptionsError, toClientError, type ClientError, type DecodeError } from '../protocol/errors';
import type { Inbound, WireAdapter, WireIds } from '../protocol/adapter';
import type { Tally } from '../internal/tally';
import { reportUnhandled } from '../internal/reportUnhandled';
import { openSocket, type OpenSocket, type SocketHooks } from './socket';
import { resolveTarget } from './target';
import { ControlBatch } from './controlBatch';
import type { ClientCounts } from './stats';
import type { AuthOptions, ClientHeartbeatOptions, ClientOptions, ConnectionState, TokenContext, WebSocketConstructor } from './types';

/** The state of a client nobody has subscribed to yet, or that everybody left. */
export const IDLE: ConnectionState = { status: 'closed', code: CloseCode.NormalClosure, reason: 'not connected', final: false };

/** How the connection connects: the client's options, defaults applied. */
export interface ConnectionConfig {
  url: ClientOptions['url'];
  protocols: string | readonly string[] | undefined;
  auth: AuthOptions | undefined;
  WebSocketCtor: WebSocketConstructor;
  adapter: WireAdapter;
  reconnect: Omit<ReconnectConfig, 'scheduler' | 'onRetry'> | false;
  heartbeat: ClientHeartbeatOptions | false;
  closeTimeout: number;
  connectTimeout: number;
  maxDepth: number;
  maxPayload: number;
  scheduler: SchedulerLike | undefined;
}

/** What the connection tells the rest of the client. */
export interface ConnectionEvents {
  /** A connection was accepted: write what must go first (handshake, subscriptions, requests). */
  accepted(): void;
  /** The socket can no longer be written to (it may already be followed by a newer one). */
  lost(): void;
  /** A retry is scheduled after `error`: what was in flight on the old socket has failed. */
  retrying(error: unknown): void;
  /** An inbound message, parsed from JSON and decoded by the adapter (once). */
  message(message: unknown, inbound: Inbound): void;
  /** Something went wrong that does not end the client. */
  error(error: ClientError): void;
  /** A frame could not be read. */
  decodeError(error: DecodeError): void;
  /** What the ids live on the connection belong to, for the adapter's decode. */
  readonly ids: WireIds;
}

/**
 * The client's connection: one attempt after another (URL and token resolved anew for
 * each), open only once accepted, heartbeating while open, retried by {@link reconnect}.
 * It owns `state$` and the socket; the other parts write through it.
 */
export class Connection {
  /** The connection's state, for `state$`. */
  readonly state = new BehaviorSubject<ConnectionState>(IDLE);
  /** Whether a socket is accepted and writable, for the offline queue. */
  readonly open$ = new BehaviorSubject<boolean>(false);
  /**
   * The accepted sockets, one per (re)connection. Subscribing holds the connection;
   * it errors when the connection ends for good and completes on `close()`.
   */
  readonly live$: Observable<OpenSocket>;
  private socket: OpenSocket | undefined;
  /** Subscribe and unsubscribe frames of this turn, sent as one batch at its end. */
  private readonly batch: ControlBatch;
  private opens = 0;
  private attempt = 0;
  private refresh = false;
  private closed = false;

  constructor(
    config: ConnectionConfig,
    private readonly tally: Tally<ClientCounts>,
    private readonly events: ConnectionEvents,
  ) {
    const hooks = this.hooks(config);
    const batch = config.adapter.batch?.bind(config.adapter);
    this.batch = new ControlBatch(batch, (text) => this.socket?.canSend() && this.socket.send(text), config.scheduler);
    // A fixed URL without a token: the target needs no resolving, and each attempt is the socket alone.
    const fixed = config.auth === undefined && typeof config.url === 'string' ? config.url : undefined;
    const oneAttempt = defer(() => {
      const context: TokenContext = { attempt: this.attempt, refresh: this.refresh };
      this.setState({ status: 'connecting', attempt: this.attempt });
      if (fixed !== undefined) return openSocket({ url: fixed, protocols: offered(config.protocols), headers: undefined, token: undefined }, hooks, { ...context, token: undefined });
      return resolveTarget(config.url, config.protocols, config.auth, context).pipe(
        switchMap((target) => openSocket(target, hooks, { ...context, token: target.token })),
      );
    });
    const retries = config.reconnect;
    this.live$ = oneAttempt.pipe(
      tap((socket) => this.accept(socket)),
      retries === false
        ? (source: Observable<OpenSocket>) => source
        : reconnect<OpenSocket>({
            ...retries,
            // The protocol's own fatal codes add to the user's (or the defaults).
            fatalCodes: [...(retries.fatalCodes ?? DEFAULT_FATAL_CLOSE_CODES), ...(config.adapter.fatalCloseCodes ?? [])],
            scheduler: config.scheduler,
            shouldRetry: (info) => !(info.error instanceof InvalidOptionsError) && (retries.shouldRetry?.(info) ?? true),
            onRetry: (info) => {
              this.attempt = info.attempt;
              this.refresh = info.refreshCredentials;
              events.error(toClientError(info.error));
              this.setState({ status: 'reconnecting', attempt: info.attempt, delay: info.delay, code: info.code, error: info.error });
              events.retrying(info.error);
            },
          }),
      tap({
        error: (error: unknown) => {
          const code = closeCodeOf(error) ?? CloseCode.AbnormalClosure;
          const reason = (error as { reason?: string })?.reason ?? String((error as Error)?.message ?? error);
          this.setState({ status: 'closed', code, reason, final: true, error });
        },
      }),
      finalize(() => {
        this.attempt = 0;
        this.refresh = false;
        if (this.state.value.status !== 'closed') this.setState(IDLE);
      }),
      share(),
    );
  }

  /** Whether a frame written now goes out on an accepted socket. */
  isOpen(): boolean {
    return this.socket?.canSend() ?? false;
  }

  /** Writes a frame on the accepted socket. The caller checked {@link isOpen}. */
  write(frame: string): void {
    this.batch.flush();
    this.socket!.send(frame);
  }

  /** Sends a control frame (as JSON) if a socket is accepted; returns whether it was sent. */
  sendControl(frame: unknown): boolean {
    if (frame === undefined || !this.isOpen()) return false;
    this.batch.flush();
    this.socket!.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Sends a subscribe or unsubscribe frame if a socket is accepted, with the others of
   * this turn: as one batch frame at its end when the adapter has one. Returns whether it went.
   */
  sendSubscription(frame: unknown): boolean {
    if (frame === undefined || !this.isOpen()) return false;
    this.batch.push(frame);
    return true;
  }

  /** The client closed: `state$` says so, for good, and completes. */
  close(): void {
    this.state.next({ status: 'closed', code: CloseCode.NormalClosure, reason: 'closed by the client', final: true });
    this.closed = true;
    this.open$.complete();
    this.state.complete();
  }

  private setState(next: ConnectionState): void {
    if (!this.closed) this.state.next(next);
  }

  private accept(socket: OpenSocket): void {
    this.socket = socket;
    this.attempt = 0;
    this.refresh = false;
    if (this.opens++ > 0) this.tally.add('reconnects');
    this.events.accepted();
    // What was sent at acceptance may have ended the last hold (a channel that failed):
    // the socket is then already closed, and must not be announced open.
    if (this.socket !== socket) return;
    this.setState({ status: 'open', protocol: socket.protocol });
    this.open$.next(true);
  }

  private hooks(config: ConnectionConfig): SocketHooks {
    const { adapter, heartbeat } = config;
    const { ids } = this.events;
    return {
      WebSocketCtor: config.WebSocketCtor,
      heartbeat:
        heartbeat === false
          ? false
          : {
              interval: heartbeat.interval ?? HEARTBEAT_DEFAULTS.interval,
              timeout: heartbeat.timeout ?? HEARTBEAT_DEFAULTS.timeout,
              ping: heartbeat.ping ?? adapter.ping(),
              isPong: heartbeat.isPong,
            },
      closeTimeout: config.closeTimeout,
      connectTimeout: config.connectTimeout,
      acceptance: adapter.acceptance === true,
      decode: (message) => decodeSafely(adapter, message, ids),
      unbatch: adapter.unbatch === undefined ? () => undefined : (message) => unbatchSafely(adapter, message),
      hello: (context) => adapter.hello?.(context) ?? [],
      closed: (close) => {
        // Called from a close event: a throwing adapter is reported as RxJS reports an unhandled error.
        try {
          adapter.closed?.(close);
        } catch (error) {
          reportUnhandled(error);
        }
      },
      maxDepth: config.maxDepth,
      maxPayload: config.maxPayload,
      scheduler: config.scheduler,
      onMessage: (message, inbound) => this.events.message(message, inbound),
      onClosing: (closing) => {
        // A late close event of an older socket must not touch the current one.
        if (this.socket !== closing) return;
        // What this turn held goes out if the socket still can take it (the client is
        // leaving: the last unsubscribe), and is dropped otherwise.
        this.batch.flush();
        this.socket = undefined;
        this.events.lost();
        this.open$.next(false);
        // Requests in flight fail once state$ says what happens next (see onRetry), so
        // that code reacting to their failure sees 'reconnecting', not a stale 'open'.
      },
      onFrameIn: (bytes) => {
        this.tally.counts.messagesIn += 1;
        this.tally.add('bytesIn', bytes);
      },
      onBatchIn: (frames) => {
        // Counted as the frames it carries.
        this.tally.counts.messagesIn += frames - 1;
      },
      onFrameOut: (bytes) => {
        this.tally.counts.messagesOut += 1;
        this.tally.add('bytesOut', bytes);
      },
      onDecodeError: (error) => this.events.decodeError(error),
      onRoundTrip: (rtt) => this.tally.set('roundTripTime', rtt),
    };
  }
}

/** The application protocols offered, as a fresh list (what `resolveTarget` makes of them without a token). */
function offered(protocols: string | readonly string[] | undefined): string[] {
  return protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
}

/** Decodes a frame; a custom adapter that throws on a strange frame must not end the connection. */
function decodeSafely(adapter: WireAdapter, frame: unknown, ids: WireIds): Inbound {
  try {
    return adapter.decode(frame, ids);
  } catch (error) {
    return { kind: 'unknown', reason: `the adapter could not read a frame: ${(error as Error)?.message ?? error}` };
  }
}

/**
 * The frames a batch carries; a custom adapter that throws on a strange frame, or
 * returns something other than an array, leaves the frame to be read alone.
 */
function unbatchSafely(adapter: WireAdapter, frame: unknown): readonly unknown[] | undefined {
  try {
    const frames = adapter.unbatch!(frame);
    return Array.isArray(frames) ? frames : undefined;
  } catch {
    return undefined;
  }
}
