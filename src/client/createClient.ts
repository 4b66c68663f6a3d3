import {
  BehaviorSubject,
  Observable,
  ReplaySubject,
  Subject,
  Subscription,
  asyncScheduler,
  auditTime,
  defer,
  filter,
  finalize,
  ignoreElements,
  map,
  merge,
  of,
  share,
  switchMap,
  takeUntil,
  tap,
  throwError,
} from 'rxjs';
import { reconnect } from '../operators/reconnect';
import { route } from '../operators/route';
import { CloseCode, closeCodeOf } from '../protocol/closeCodes';
import { ClientClosedError, DecodeError, InvalidOptionsError, ValidationError, toClientError, type ClientError } from '../protocol/errors';
import type { Inbound } from '../protocol/adapter';
import { jsonEnvelope } from '../protocol/jsonEnvelope';
import type { EmptyProtocol, Protocol } from '../protocol/defineProtocol';
import { lookup } from '../protocol/defineProtocol';
import { check, checkParsed } from '../protocol/validate';
import { stableKey } from '../internal/stableKey';
import { DirectObservable } from '../internal/directObservable';
import { OPENED, OpenSocket, openSocket } from './socket';
import { resolveTarget } from './target';
import { ChannelEntry, ChannelRegistry, GapNotice } from './channels';
import { RequestTable } from './requests';
import { OutboundPath } from './outbound';
import type { Client, ClientOptions, ClientStats, ConnectionState, TokenContext, WebSocketConstructor } from './types';

const IDLE: ConnectionState = { status: 'closed', code: CloseCode.NormalClosure, reason: 'not connected', final: false };

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
  const {
    url,
    WebSocketCtor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket,
    protocols,
    auth,
    protocol = { channels: {}, events: {}, requests: {} } as unknown as P,
    adapter = jsonEnvelope(),
    reconnect: reconnectOptions = {},
    heartbeat: heartbeatOptions = {},
    queue: { max = 1000, overflow = 'drop-oldest' } = {},
    requestTimeout = 10_000,
    closeTimeout = 1000,
    connectTimeout = 10_000,
    maxDepth = 64,
    maxPayload = 16 * 1024 * 1024,
    statsInterval = 1000,
    scheduler,
  } = options;
  const clock = scheduler ?? asyncScheduler;

  if (!WebSocketCtor) {
    throw new InvalidOptionsError('there is no global WebSocket here: pass WebSocketCtor (in Node, WebSocket from the ws package)');
  }
  if (auth?.via === 'header' && typeof (WebSocketCtor.prototype as { terminate?: unknown })?.terminate !== 'function') {
    throw new InvalidOptionsError(
      "auth.via 'header' needs a WebSocket class that accepts headers (the ws package in Node); browsers cannot send headers on a WebSocket: use 'protocol' or 'query'",
    );
  }

  const state = new BehaviorSubject<ConnectionState>(IDLE);
  const errors = new Subject<ClientError>();
  const gaps = new Subject<GapNotice>();
  const closed = new ReplaySubject<void>(1);
  const open = new BehaviorSubject<boolean>(false);
  const statsChanged = new Subject<void>();
  const counters = {
    messagesIn: 0,
    bytesIn: 0,
    messagesOut: 0,
    bytesOut: 0,
    decodeErrors: 0,
    dropped: 0,
    queued: 0,
    duplicates: 0,
    gaps: 0,
    lateReplies: 0,
    reconnects: 0,
    roundTripTime: undefined as number | undefined,
  };
  let socket: OpenSocket | undefined;
  let opens = 0;
  let attempt = 0;
  let refresh = false;
  let isClosed = false;
  let ids = 0;

  const touch = (): void => statsChanged.next();
  const setState = (next: ConnectionState): void => {
    if (!isClosed) state.next(next);
  };
  const reportDecodeError = (error: DecodeError): void => {
    counters.decodeErrors += 1;
    touch();
    errors.next(error);
  };
  const sendControl = (frame: unknown): boolean => {
    if (frame === undefined || !socket?.canSend()) return false;
    socket.send(JSON.stringify(frame));
    return true;
  };
  const isOpen = (): boolean => socket?.canSend() ?? false;

  const channels = new ChannelRegistry(adapter, {
    sendControl,
    isOpen,
    nextId: () => String(++ids),
    onDecodeError: reportDecodeError,
    onDuplicate: () => {
      counters.duplicates += 1;
      touch();
    },
    onGap: (notice) => {
      counters.gaps += 1;
      touch();
      gaps.next(notice);
    },
  });
  const requests = new RequestTable(adapter, {
    sendControl,
    isOpen,
    onDecodeError: reportDecodeError,
    onLateReply: () => {
      counters.lateReplies += 1;
      touch();
    },
  });
  const outbound = new OutboundPath(
    {
      open$: open,
      canSend: isOpen,
      write: (frame) => socket!.send(frame),
      onDrop: (error) => {
        counters.dropped += 1;
        touch();
        errors.next(error);
      },
      onOverflow: (error) => errors.next(error),
      onQueueSize: (delta) => (counters.queued += delta),
    },
    max,
    overflow,
  );

  const ping = adapter.ping();
  const hooks = {
    WebSocketCtor,
    heartbeat:
      heartbeatOptions === false
        ? (false as const)
        : {
            interval: heartbeatOptions.interval ?? 15_000,
            timeout: heartbeatOptions.timeout ?? 10_000,
            ping: heartbeatOptions.ping ?? ping,
            isPong: heartbeatOptions.isPong ?? ((message: unknown) => adapter.decode(message).kind === 'pong'),
          },
    closeTimeout,
    connectTimeout,
    isAcceptance: adapter.acceptance ? (message: unknown) => adapter.decode(message).kind === 'accepted' : undefined,
    maxDepth,
    maxPayload,
    scheduler,
    onOpen: (opened: OpenSocket) => {
      socket = opened;
      attempt = 0;
      refresh = false;
      if (opens++ > 0) counters.reconnects += 1;
      // Handshake, then subscriptions, then requests, then what the user queued.
      for (const frame of adapter.hello?.() ?? []) sendControl(frame);
      channels.onOpen();
      requests.onOpen();
      setState({ status: 'open', protocol: opened.protocol });
      touch();
      open.next(true);
    },
    onClosing: (closing: OpenSocket) => {
      // A late close event of an older socket must not touch the current one.
      if (socket !== closing) return;
      socket = undefined;
      channels.onClose();
      open.next(false);
      // Requests in flight fail once state$ says what happens next (see onRetry), so that
      // code reacting to their failure sees 'reconnecting', not a stale 'open'.
    },
    onFrameIn: (bytes: number) => {
      counters.messagesIn += 1;
      counters.bytesIn += bytes;
      touch();
    },
    onFrameOut: (bytes: number) => {
      counters.messagesOut += 1;
      counters.bytesOut += bytes;
      touch();
    },
    onDecodeError: reportDecodeError,
    onRoundTrip: (rtt: number) => {
      counters.roundTripTime = rtt;
      touch();
    },
  };

  const oneAttempt = defer(() => {
    const context: TokenContext = { attempt, refresh };
    setState({ status: 'connecting', attempt });
    return resolveTarget(url, protocols, auth, context).pipe(switchMap((target) => openSocket(target, hooks)));
  });

  const frames$ = oneAttempt.pipe(
    reconnectOptions === false
      ? (source: Observable<unknown>) => source
      : reconnect<unknown>({
          ...reconnectOptions,
          scheduler,
          shouldRetry: (info) => !(info.error instanceof InvalidOptionsError) && (reconnectOptions.shouldRetry?.(info) ?? true),
          onRetry: (info) => {
            attempt = info.attempt;
            refresh = info.refreshCredentials;
            errors.next(toClientError(info.error));
            setState({ status: 'reconnecting', attempt: info.attempt, delay: info.delay, code: info.code, error: info.error });
            requests.onClose(info.error);
          },
        }),
    tap({
      error: (error: unknown) => {
        const code = closeCodeOf(error) ?? CloseCode.AbnormalClosure;
        const reason = (error as { reason?: string })?.reason ?? String((error as Error)?.message ?? error);
        setState({ status: 'closed', code, reason, final: true, error });
      },
    }),
    finalize(() => {
      attempt = 0;
      refresh = false;
      if (state.value.status !== 'closed') setState(IDLE);
    }),
    filter((frame) => frame !== OPENED),
    share(),
  );

  const messages$ = frames$.pipe(takeUntil(closed));

  // Channels, events and requests hold the connection through this one shared
  // subscription, which decodes every frame once and routes it by one map lookup.
  const eventSubjects = new Map<string, Subject<unknown>>();
  const dispatch$ = frames$.pipe(
    map((frame): Inbound => {
      try {
        return adapter.decode(frame);
      } catch (error) {
        // A custom adapter that throws on a strange frame must not end the connection.
        return { kind: 'unknown', reason: `the adapter could not read a frame: ${(error as Error)?.message ?? error}` };
      }
    }),
    route<Inbound, string>((inbound) => (inbound.kind === 'message' ? inbound.key : undefined), channels.routes),
    tap((inbound) => {
      if (inbound.kind === 'message') return; // for a channel already left: dropped
      if (channels.handleControl(inbound) || requests.handle(inbound) || inbound.kind === 'pong') return;
      if (inbound.kind === 'event') {
        const codec = lookup(protocol.events, inbound.name);
        if (!codec) return reportDecodeError(new DecodeError(`unknown event "${inbound.name}"`, inbound.data));
        const checked = checkParsed(codec, inbound.data);
        if (checked.ok) eventSubjects.get(inbound.name)?.next(checked.value);
        else reportDecodeError(new DecodeError(`event "${inbound.name}": ${checked.reason}`, inbound.data));
        return;
      }
      if (inbound.kind === 'unknown') reportDecodeError(new DecodeError(inbound.reason, undefined));
    }),
    ignoreElements(),
    takeUntil(closed),
    share(),
  );

  // Live channels by (name, params) identity. They hold the connection through one
  // shared subscription, not one each: a channel costs an entry, not a chain of subscribers.
  const liveChannels = new Map<string, ChannelEntry>();
  let channelHold: Subscription | undefined;
  const channel = (name: string, params: unknown): Observable<unknown> => {
    const definition = lookup(protocol.channels, name);
    if (!definition) return throwError(() => new ValidationError(`channel name "${name}"`, 'not in the protocol'));
    const checked = check(definition.params, params);
    if (!checked.ok) return throwError(() => new ValidationError(`params of channel "${name}"`, checked.reason));
    const cacheKey = `${name}\u0000${stableKey(params)}`;
    return new DirectObservable<unknown>((subscriber) => {
      if (isClosed) return subscriber.complete();
      let entry = liveChannels.get(cacheKey);
      if (entry) {
        entry.observe(subscriber);
      } else {
        entry = new ChannelEntry(channels, name, params, definition.params.encode(checked.value), definition.message, subscriber);
        liveChannels.set(cacheKey, entry);
        channels.add(entry);
        channelHold ??= dispatch$.subscribe({ error: (e) => channels.failAll(e), complete: () => channels.completeAll() });
      }
      const mine = entry;
      return () => {
        mine.unobserve(subscriber);
        if (mine.observed || liveChannels.get(cacheKey) !== mine) return;
        liveChannels.delete(cacheKey);
        channels.remove(mine);
        if (liveChannels.size === 0) {
          const hold = channelHold;
          channelHold = undefined;
          hold?.unsubscribe();
        }
      };
    });
  };

  const event = (name: string): Observable<unknown> => {
    if (!lookup(protocol.events, name)) return throwError(() => new ValidationError(`event name "${name}"`, 'not in the protocol'));
    let subject = eventSubjects.get(name);
    if (!subject) eventSubjects.set(name, (subject = new Subject()));
    return merge(dispatch$, subject).pipe(takeUntil(closed));
  };

  const request = (name: string, payload: unknown, requestOptions: { timeout?: number } = {}): Observable<unknown> => {
    const definition = lookup(protocol.requests, name);
    if (!definition) return throwError(() => new ValidationError(`request name "${name}"`, 'not in the protocol'));
    const checked = check(definition.request, payload);
    if (!checked.ok) return throwError(() => new ValidationError(`payload of request "${name}"`, checked.reason));
    const { timeout = requestTimeout } = requestOptions;
    return new Observable<unknown>((sink) => {
      if (isClosed) return sink.error(new ClientClosedError());
      const forget = requests.start(`r${++ids}`, name, definition.request.encode(checked.value), definition, sink, timeout, clock);
      const hold = dispatch$.subscribe({ error: (e) => sink.error(e), complete: () => sink.error(new ClientClosedError()) });
      return () => {
        forget();
        hold.unsubscribe();
      };
    });
  };

  const stats$ = defer(() =>
    merge(of(undefined), statsChanged.pipe(auditTime(statsInterval, clock))).pipe(
      map((): ClientStats => ({ ...counters, channels: channels.size, pendingRequests: requests.size })),
      takeUntil(closed),
    ),
  );

  return {
    state$: state.asObservable(),
    messages$,
    errors$: errors.asObservable(),
    gaps$: gaps.asObservable(),
    stats$,
    channel: channel as Client<P>['channel'],
    event: event as Client<P>['event'],
    request: request as Client<P>['request'],
    send(message: unknown): void {
      if (isClosed) throw new ClientClosedError();
      const frame = JSON.stringify(message);
      if (frame === undefined) throw new InvalidOptionsError('send() needs a value that JSON can represent');
      outbound.push(frame);
    },
    connect(): Subscription {
      // The outcome of a fatal close is on state$; this subscriber only holds the connection.
      return dispatch$.subscribe({ error: () => undefined });
    },
    close(): void {
      if (isClosed) return;
      state.next({ status: 'closed', code: CloseCode.NormalClosure, reason: 'closed by the client', final: true });
      isClosed = true;
      closed.next();
      closed.complete();
      outbound.stop();
      for (const subject of eventSubjects.values()) subject.complete();
      open.complete();
      state.complete();
      errors.complete();
      gaps.complete();
      statsChanged.complete();
    },
  };
}
