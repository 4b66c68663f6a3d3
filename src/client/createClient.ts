import { Observable, ReplaySubject, Subject, Subscriber, Subscription, asyncScheduler, defer, ignoreElements, merge, share, takeUntil, tap, throwError } from 'rxjs';
import { route } from '../operators/route';
import { ClientClosedError, DecodeError, InvalidOptionsError, ValidationError, type ClientError, type RemoteError } from '../protocol/errors';
import type { Inbound, WireIds } from '../protocol/adapter';
import type { EmptyProtocol, Protocol } from '../protocol/defineProtocol';
import { lookup } from '../protocol/defineProtocol';
import { check } from '../protocol/validate';
import { Connection, type ConnectionEvents } from './connection';
import { ChannelRegistry } from './channels';
import type { ChannelEntry } from './channelEntry';
import { RequestTable } from './requests';
import { EventHub } from './events';
import { OutboundPath } from './outbound';
import { clientTally } from './stats';
import { withDefaults, type ClientConfig } from './defaults';
import type { Client, ClientOptions, ClientStats, ConnectionState, GapNotice } from './types';

/**
 * Creates a client for one WebSocket endpoint: lazy, reconnecting, heartbeating,
 * queueing what is sent while offline, and typed by the protocol it is given.
 *
 * Nothing happens until the first subscriber to a channel, an event, a request or
 * `messages$` (or a call to `connect()`); the connection then stays up while anything
 * is subscribed and closes with 1000 when the last subscriber leaves.
 *
 * @throws {@link InvalidOptionsError} when there is no WebSocket class to use, or when
 * `auth.via` is `'header'` with a WebSocket class that cannot send headers.
 *
 * @example
 * ```ts
 * import WebSocket from 'ws'; // in Node; in a browser leave WebSocketCtor out
 * const client = createClient({ url: 'ws://127.0.0.1:8080', WebSocketCtor: WebSocket, protocol: smartHome });
 * // Channels and requests error when the connection ends for good: always handle it.
 * client.channel('device', { id: 'oven-1' }).subscribe({
 *   next: (update) => console.log(update.temperature),
 *   error: (error) => console.error('oven-1:', error),
 * });
 * client.request('setTarget', { id: 'oven-1', target: 180 }).subscribe({
 *   next: (reply) => console.log(reply.ok),
 *   error: (error) => console.error('setTarget:', error),
 * });
 * ```
 */
export function createClient<P extends Protocol = EmptyProtocol>(options: ClientOptions<P>): Client<P> {
  return new RxwireClient(withDefaults(options)) as unknown as Client<P>;
}

/**
 * The client's parts, assembled: the connection, the channels, the requests, the
 * events, the outbound path and the counters. They meet only here.
 */
class RxwireClient {
  readonly errors$: Observable<ClientError>;
  readonly gaps$: Observable<GapNotice>;
  readonly state$: Observable<ConnectionState>;
  readonly messages$: Observable<unknown>;
  readonly stats$: Observable<ClientStats>;
  private readonly tally = clientTally();
  private readonly errors = new Subject<ClientError>();
  private readonly gaps = new Subject<GapNotice>();
  /** Every inbound message of every socket, parsed from JSON, for `messages$`. */
  private readonly inbound = new Subject<unknown>();
  /**
   * The dispatch's subscriber of the messages as the adapter read them (once each),
   * called directly; undefined while nothing holds the dispatch (messages are dropped,
   * as a Subject without observers would).
   */
  private decoded: Subscriber<Inbound> | undefined;
  /** The messages as the adapter read them, for the dispatch (shared: one subscriber at a time). */
  private readonly decoded$ = new Observable<Inbound>((subscriber) => {
    this.decoded = subscriber;
    return () => {
      if (this.decoded === subscriber) this.decoded = undefined;
    };
  });
  private readonly closed = new ReplaySubject<void>(1);
  private isClosed = false;
  private ids = 0;
  private readonly connection: Connection;
  private readonly events: EventHub;
  private readonly channels: ChannelRegistry;
  private readonly requests: RequestTable;
  private readonly outbound: OutboundPath;
  /** The dispatch of inbound messages; holding it holds the connection. */
  private readonly inbound$: Observable<never>;

  constructor(private readonly config: ClientConfig) {
    const { adapter, protocol, scheduler } = config;
    this.connection = new Connection(config, this.tally, this.connectionEvents());
    this.events = new EventHub(protocol.events, this.reportDecodeError);
    const io = {
      sendControl: (frame: unknown) => this.connection.sendControl(frame),
      sendSubscription: (frame: unknown) => this.connection.sendSubscription(frame),
      isOpen: () => this.connection.isOpen(),
      isClosed: () => this.isClosed,
      nextId: () => String(++this.ids),
      inbound$: defer(() => this.inbound$),
      onDecodeError: this.reportDecodeError,
      onRemoteError: (error: RemoteError) => this.errors.next(error),
    };
    this.channels = new ChannelRegistry(adapter, { ...io, onDuplicate: () => this.tally.add('duplicates'), onGap: (entry, epoch, from, to, lost) => this.reportGap(entry, epoch, from, to, lost) });
    this.requests = new RequestTable(adapter, { ...io, scheduler: scheduler ?? asyncScheduler, onLateReply: () => this.tally.add('lateReplies') });
    this.outbound = this.outboundPath();
    this.inbound$ = this.dispatch();
    this.errors$ = this.errors.asObservable();
    this.gaps$ = this.gaps.asObservable();
    this.state$ = this.connection.state.asObservable();
    this.messages$ = merge(this.inbound, this.connection.live$.pipe(ignoreElements())).pipe(takeUntil(this.closed));
    this.stats$ = this.tally
      .stream((): ClientStats => ({ ...this.tally.counts, channels: this.channels.size, pendingRequests: this.requests.size }), config.statsInterval, scheduler ?? asyncScheduler)
      .pipe(takeUntil(this.closed));
  }

  channel(name: string, params: unknown): Observable<unknown> {
    const definition = lookup(this.config.protocol.channels, name);
    if (!definition) return throwError(() => new ValidationError(`channel name "${name}"`, 'not in the protocol'));
    const checked = check(definition.params, params);
    if (!checked.ok) return throwError(() => new ValidationError(`params of channel "${name}"`, checked.reason));
    return this.channels.observe(name, params, definition.params.encode(checked.value), definition.message);
  }

  event(name: string): Observable<unknown> {
    if (!lookup(this.config.protocol.events, name)) return throwError(() => new ValidationError(`event name "${name}"`, 'not in the protocol'));
    return this.events.observe(name, this.inbound$, this.closed);
  }

  request(name: string, payload: unknown, { timeout = this.config.requestTimeout }: { timeout?: number } = {}): Observable<unknown> {
    const definition = lookup(this.config.protocol.requests, name);
    if (!definition) return throwError(() => new ValidationError(`request name "${name}"`, 'not in the protocol'));
    const checked = check(definition.request, payload);
    if (!checked.ok) return throwError(() => new ValidationError(`payload of request "${name}"`, checked.reason));
    return this.requests.observe(name, definition.request.encode(checked.value), definition, timeout);
  }

  send(message: unknown): void {
    if (this.isClosed) throw new ClientClosedError();
    const frame = JSON.stringify(message);
    if (frame === undefined) throw new InvalidOptionsError('send() needs a value that JSON can represent');
    this.outbound.push(frame);
  }

  connect(): Subscription {
    // The outcome of a fatal close is on state$; this subscriber only holds the connection.
    return this.inbound$.subscribe({ error: () => undefined });
  }

  close(): void {
    if (this.isClosed) return;
    this.connection.close();
    this.isClosed = true;
    this.closed.next();
    this.closed.complete();
    this.outbound.stop();
    this.events.complete();
    this.errors.complete();
    this.gaps.complete();
    this.tally.complete();
  }

  private readonly reportDecodeError = (error: DecodeError): void => {
    this.tally.add('decodeErrors');
    this.errors.next(error);
  };

  private reportGap(entry: ChannelEntry, epoch: string, from: number | undefined, to: number | undefined, lost: number | undefined): void {
    this.tally.add('gaps');
    // Nobody on gaps$ (a resubscribe into a new epoch tells one per channel): no notice made.
    if (!this.gaps.observed) return;
    const notice: { -readonly [K in keyof GapNotice]: GapNotice[K] } = { channel: entry.channel, params: entry.params, epoch };
    if (lost !== undefined) notice.lost = lost;
    if (from !== undefined && to !== undefined) {
      notice.from = from;
      notice.to = to;
    }
    this.gaps.next(notice);
  }

  private connectionEvents(): ConnectionEvents {
    return {
      accepted: () => {
        // The handshake went out when the socket opened: subscriptions, then requests,
        // then (once state$ says open) what the user queued.
        this.channels.onOpen();
        this.requests.onOpen();
      },
      lost: () => this.channels.onClose(),
      retrying: (error) => this.requests.onClose(error),
      message: (message, inbound) => {
        this.decoded?.next(inbound);
        // Nobody on messages$ (the common case): no Subject call per frame.
        if (this.inbound.observed) this.inbound.next(message);
      },
      ids: this.liveIds(),
      error: (error) => this.errors.next(error),
      decodeError: this.reportDecodeError,
    };
  }

  /** What each id live on the connection is, for the adapter's decode. */
  private liveIds(): WireIds {
    return {
      kindOf: (id) => (this.channels.routes.has(id) ? 'channel' : this.requests.has(id) ? 'request' : undefined),
    };
  }

  /** Every inbound frame, decoded once by the socket, routed by one map lookup, the connection held. */
  private dispatch(): Observable<never> {
    return merge(
      this.decoded$.pipe(
        route<Inbound, string>((message) => (message.kind === 'message' ? message.key : undefined), this.channels.routes),
        tap((message) => {
          if (message.kind === 'message') return; // for a channel already left: dropped
          if (this.channels.handleControl(message) || this.requests.handle(message)) return;
          if (message.kind === 'event') this.events.deliver(message.name, message.data);
          else if (message.kind === 'unknown') this.reportDecodeError(new DecodeError(message.reason, undefined));
          // pong, reply (answered by the socket), ignore and a late accepted: nothing to do
        }),
      ),
      this.connection.live$,
    ).pipe(ignoreElements(), takeUntil(this.closed), share());
  }

  private outboundPath(): OutboundPath {
    const { tally, errors, connection } = this;
    return new OutboundPath(
      {
        open$: connection.open$,
        canSend: () => connection.isOpen(),
        write: (frame) => connection.write(frame),
        onDrop: (error) => {
          tally.add('dropped');
          errors.next(error);
        },
        onOverflow: (error) => errors.next(error),
        onQueueSize: (delta) => (tally.counts.queued += delta),
      },
      this.config.queue.max,
      this.config.queue.overflow,
    );
  }
}
