import {
  BehaviorSubject,
  Observable,
  ReplaySubject,
  Subject,
  Subscription,
  asyncScheduler,
  auditTime,
  concat,
  defer,
  filter,
  finalize,
  from,
  map,
  merge,
  of,
  share,
  switchMap,
  take,
  takeUntil,
  tap,
} from 'rxjs';
import { reconnect } from '../operators/reconnect';
import { queueWhileOffline } from '../operators/queueWhileOffline';
import { CloseCode, closeCodeOf } from '../protocol/closeCodes';
import {
  ClientClosedError,
  InvalidOptionsError,
  MessageDroppedError,
  QueueOverflowError,
} from '../protocol/errors';
import { frameSize } from '../internal/utf8';
import { OPENED, OpenSocket, SocketTarget, openSocket } from './socket';
import type {
  AuthOptions,
  Client,
  ClientOptions,
  ClientStats,
  ConnectionState,
  TokenContext,
  WebSocketConstructor,
} from './types';

const IDLE: ConnectionState = { status: 'closed', code: CloseCode.NormalClosure, reason: 'not connected', final: false };
const DEFAULT_PING = { type: 'ping' };
const isDefaultPong = (message: unknown): boolean => (message as { type?: unknown } | null)?.type === 'pong';

/**
 * Creates a client for one WebSocket endpoint: lazy, reconnecting, heartbeating,
 * queueing what is sent while offline.
 *
 * Nothing happens until the first subscriber to `messages$` (or a call to
 * `connect()`); the connection then stays up while anything is subscribed and closes
 * with 1000 when the last subscriber leaves.
 *
 * @throws {@link InvalidOptionsError} when there is no WebSocket class to use, or when
 * `auth.via` is `'header'` with a WebSocket class that cannot send headers.
 *
 * @example
 * ```ts
 * import WebSocket from 'ws';
 * const client = createClient({
 *   url: 'ws://127.0.0.1:8080',
 *   WebSocketCtor: WebSocket,
 *   auth: { token: () => fetchToken(), via: 'header' },
 * });
 * client.state$.subscribe((s) => console.log(s.status));
 * client.messages$.subscribe((m) => console.log(m));
 * client.send({ type: 'hello' });
 * ```
 */
export function createClient(options: ClientOptions): Client {
  const {
    url,
    WebSocketCtor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket,
    protocols,
    auth,
    reconnect: reconnectOptions = {},
    heartbeat: heartbeatOptions = {},
    queue: { max = 1000, overflow = 'drop-oldest' } = {},
    closeTimeout = 1000,
    statsInterval = 1000,
    scheduler,
  } = options;

  if (!WebSocketCtor) {
    throw new InvalidOptionsError('there is no global WebSocket here: pass WebSocketCtor (in Node, WebSocket from the ws package)');
  }
  if (auth?.via === 'header' && typeof (WebSocketCtor.prototype as { terminate?: unknown })?.terminate !== 'function') {
    throw new InvalidOptionsError(
      "auth.via 'header' needs a WebSocket class that accepts headers (the ws package in Node); browsers cannot send headers on a WebSocket: use 'protocol' or 'query'",
    );
  }

  const state = new BehaviorSubject<ConnectionState>(IDLE);
  const errors = new Subject<unknown>();
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
    reconnects: 0,
    roundTripTime: undefined as number | undefined,
  };
  let socket: OpenSocket | undefined;
  let opens = 0;
  let attempt = 0;
  let refresh = false;
  let isClosed = false;

  const touch = (): void => statsChanged.next();
  const setState = (next: ConnectionState): void => {
    if (!isClosed) state.next(next);
  };

  const hooks = {
    WebSocketCtor,
    heartbeat:
      heartbeatOptions === false
        ? (false as const)
        : {
            interval: heartbeatOptions.interval ?? 15_000,
            timeout: heartbeatOptions.timeout ?? 10_000,
            ping: heartbeatOptions.ping ?? DEFAULT_PING,
            isPong: heartbeatOptions.isPong ?? isDefaultPong,
          },
    closeTimeout,
    scheduler,
    onOpen: (opened: OpenSocket) => {
      socket = opened;
      attempt = 0;
      refresh = false;
      if (opens++ > 0) counters.reconnects += 1;
      setState({ status: 'open', protocol: opened.protocol });
      touch();
      open.next(true);
    },
    onClosing: () => {
      socket = undefined;
      if (open.value) open.next(false);
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
    onDecodeError: (error: unknown) => {
      counters.decodeErrors += 1;
      touch();
      errors.next(error);
    },
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

  const connection$ = oneAttempt.pipe(
    reconnectOptions === false
      ? (source: Observable<unknown>) => source
      : reconnect<unknown>({
          ...reconnectOptions,
          scheduler,
          shouldRetry: (info) =>
            !(info.error instanceof InvalidOptionsError) && (reconnectOptions.shouldRetry?.(info) ?? true),
          onRetry: (info) => {
            attempt = info.attempt;
            refresh = info.refreshCredentials;
            errors.next(info.error);
            setState({ status: 'reconnecting', attempt: info.attempt, delay: info.delay, code: info.code, error: info.error });
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
    share(),
  );

  const messages$ = connection$.pipe(
    filter((message) => message !== OPENED),
    takeUntil(closed),
  );

  // The outbound path: send() -> offline queue -> the open socket.
  const outbound = new Subject<string>();
  let overflowed: QueueOverflowError<string> | undefined;
  let outboundSubscription: Subscription | undefined;
  const startOutbound = (held: readonly string[]): void => {
    outboundSubscription = concat(from(held), outbound)
      .pipe(
        tap(() => (counters.queued += 1)),
        queueWhileOffline<string>({
          open$: open,
          canSend: () => socket?.canSend() ?? false,
          max,
          overflow,
          onDrop: (dropped) => {
            counters.queued -= 1;
            counters.dropped += 1;
            touch();
            errors.next(new MessageDroppedError(JSON.parse(dropped.dropped), dropped.reason));
          },
        }),
      )
      .subscribe({
        next: (frame) => {
          counters.queued -= 1;
          socket!.send(frame);
        },
        error: (error: QueueOverflowError<string>) => {
          counters.queued -= error.queued.length + 1;
          overflowed = new QueueOverflowError(JSON.parse(error.rejected), error.queued.map((f) => JSON.parse(f)), error.max);
          errors.next(overflowed);
          startOutbound(error.queued);
        },
      });
  };
  startOutbound([]);

  const stats$ = defer(() =>
    merge(of(undefined), statsChanged.pipe(auditTime(statsInterval, scheduler ?? asyncScheduler))).pipe(
      map((): ClientStats => ({ ...counters })),
      takeUntil(closed),
    ),
  );

  return {
    state$: state.asObservable(),
    messages$,
    errors$: errors.asObservable(),
    stats$,
    send(message: unknown): void {
      if (isClosed) throw new ClientClosedError();
      const frame = JSON.stringify(message);
      if (frame === undefined) throw new InvalidOptionsError('send() needs a value that JSON can represent');
      outbound.next(frame);
      if (overflowed) {
        const error = overflowed;
        overflowed = undefined;
        throw error;
      }
    },
    connect(): Subscription {
      // The outcome of a fatal close is on state$; this subscriber only holds the connection.
      return messages$.subscribe({ error: () => undefined });
    },
    close(): void {
      if (isClosed) return;
      state.next({ status: 'closed', code: CloseCode.NormalClosure, reason: 'closed by the client', final: true });
      isClosed = true;
      closed.next();
      closed.complete();
      outboundSubscription?.unsubscribe();
      outbound.complete();
      open.complete();
      state.complete();
      errors.complete();
      statsChanged.complete();
    },
  };
}

function resolveTarget(
  url: ClientOptions['url'],
  protocols: string | string[] | undefined,
  auth: AuthOptions | undefined,
  context: TokenContext,
): Observable<SocketTarget> {
  const base = typeof url === 'function' ? url(context) : url;
  const offered = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
  if (!auth) return of({ url: base, protocols: offered, headers: undefined });
  const token = auth.token(context);
  // from() would iterate a string character by character.
  return (typeof token === 'string' ? of(token) : from(token)).pipe(
    take(1),
    map((token): SocketTarget => {
      const { via = 'protocol', param = 'token' } = auth;
      if (via === 'header') return { url: base, protocols: offered, headers: { Authorization: `Bearer ${token}` } };
      if (via === 'query') {
        const separator = base.includes('?') ? '&' : '?';
        return { url: `${base}${separator}${encodeURIComponent(param)}=${encodeURIComponent(token)}`, protocols: offered, headers: undefined };
      }
      return { url: base, protocols: [...(offered.length > 0 ? offered : ['rxwire']), `bearer.${token}`], headers: undefined };
    }),
  );
}
