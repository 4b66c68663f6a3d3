import { Observable, ReplaySubject, Subject, Subscription, asyncScheduler, defer, ignoreElements, map, merge, share, takeUntil, tap, throwError } from 'rxjs';
import { route } from '../operators/route';
import { ClientClosedError, DecodeError, InvalidOptionsError, ValidationError, type ClientError } from '../protocol/errors';
import type { Inbound } from '../protocol/adapter';
import { jsonEnvelope } from '../protocol/jsonEnvelope';
import type { EmptyProtocol, Protocol } from '../protocol/defineProtocol';
import { lookup } from '../protocol/defineProtocol';
import { check } from '../protocol/validate';
import { Connection } from './connection';
import { ChannelRegistry } from './channels';
import { RequestTable } from './requests';
import { EventHub } from './events';
import { OutboundPath } from './outbound';
import { clientTally } from './stats';
import { CLIENT_DEFAULTS } from './defaults';
import type { Client, ClientOptions, ClientStats, GapNotice, WebSocketConstructor } from './types';

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
    reconnect = {},
    heartbeat = {},
    queue: { max = CLIENT_DEFAULTS.queue.max, overflow = CLIENT_DEFAULTS.queue.overflow } = {},
    requestTimeout = CLIENT_DEFAULTS.requestTimeout,
    closeTimeout = CLIENT_DEFAULTS.closeTimeout,
    connectTimeout = CLIENT_DEFAULTS.connectTimeout,
    maxDepth = CLIENT_DEFAULTS.maxDepth,
    maxPayload = CLIENT_DEFAULTS.maxPayload,
    statsInterval = CLIENT_DEFAULTS.statsInterval,
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

  // The parts: the connection, the channels, the requests, the events, the outbound
  // path and the counters. They meet only here.
  const tally = clientTally();
  const errors = new Subject<ClientError>();
  const gaps = new Subject<GapNotice>();
  const inbound = new Subject<unknown>();
  const closed = new ReplaySubject<void>(1);
  let isClosed = false;
  let ids = 0;
  const reportDecodeError = (error: DecodeError): void => {
    tally.add('decodeErrors');
    errors.next(error);
  };
  const connection = new Connection(
    { url, protocols, auth, WebSocketCtor, adapter, reconnect, heartbeat, closeTimeout, connectTimeout, maxDepth, maxPayload, scheduler },
    tally,
    {
      accepted: () => {
        // Handshake, then subscriptions, then requests, then what the user queued.
        for (const frame of adapter.hello?.() ?? []) connection.sendControl(frame);
        channels.onOpen();
        requests.onOpen();
      },
      lost: () => channels.onClose(),
      retrying: (error) => requests.onClose(error),
      message: (message) => inbound.next(message),
      error: (error) => errors.next(error),
      decodeError: reportDecodeError,
    },
  );
  const events = new EventHub(protocol.events, reportDecodeError);

  const io = {
    sendControl: (frame: unknown) => connection.sendControl(frame),
    isOpen: () => connection.isOpen(),
    isClosed: () => isClosed,
    nextId: () => String(++ids),
    inbound$: defer(() => inbound$),
    onDecodeError: reportDecodeError,
  };
  const channels = new ChannelRegistry(adapter, {
    ...io,
    onDuplicate: () => tally.add('duplicates'),
    onGap: (notice) => {
      tally.add('gaps');
      gaps.next(notice);
    },
  });
  const requests = new RequestTable(adapter, { ...io, scheduler: scheduler ?? asyncScheduler, onLateReply: () => tally.add('lateReplies') });
  // Every inbound frame is decoded once and routed by one map lookup; holding this one
  // shared subscription holds the connection.
  const inbound$: Observable<never> = merge(
    inbound.pipe(
      map((frame) => decodeSafely(adapter.decode, frame)),
      route<Inbound, string>((message) => (message.kind === 'message' ? message.key : undefined), channels.routes),
      tap((message) => {
        if (message.kind === 'message') return; // for a channel already left: dropped
        if (channels.handleControl(message) || requests.handle(message) || message.kind === 'pong') return;
        if (message.kind === 'event') events.deliver(message.name, message.data);
        else if (message.kind === 'unknown') reportDecodeError(new DecodeError(message.reason, undefined));
      }),
    ),
    connection.live$,
  ).pipe(ignoreElements(), takeUntil(closed), share());

  const outbound = new OutboundPath(
    {
      open$: connection.open$,
      canSend: io.isOpen,
      write: (frame) => connection.write(frame),
      onDrop: (error) => {
        tally.add('dropped');
        errors.next(error);
      },
      onOverflow: (error) => errors.next(error),
      onQueueSize: (delta) => (tally.counts.queued += delta),
    },
    max,
    overflow,
  );

  return {
    state$: connection.state.asObservable(),
    messages$: merge(inbound, connection.live$.pipe(ignoreElements())).pipe(takeUntil(closed)),
    errors$: errors.asObservable(),
    gaps$: gaps.asObservable(),
    stats$: tally
      .stream((): ClientStats => ({ ...tally.counts, channels: channels.size, pendingRequests: requests.size }), statsInterval, scheduler ?? asyncScheduler)
      .pipe(takeUntil(closed)),
    channel: ((name: string, params: unknown) => {
      const definition = lookup(protocol.channels, name);
      if (!definition) return throwError(() => new ValidationError(`channel name "${name}"`, 'not in the protocol'));
      const checked = check(definition.params, params);
      if (!checked.ok) return throwError(() => new ValidationError(`params of channel "${name}"`, checked.reason));
      return channels.observe(name, params, definition.params.encode(checked.value), definition.message);
    }) as Client<P>['channel'],
    event: ((name: string) => {
      if (!lookup(protocol.events, name)) return throwError(() => new ValidationError(`event name "${name}"`, 'not in the protocol'));
      return events.observe(name, inbound$, closed);
    }) as Client<P>['event'],
    request: ((name: string, payload: unknown, { timeout = requestTimeout }: { timeout?: number } = {}) => {
      const definition = lookup(protocol.requests, name);
      if (!definition) return throwError(() => new ValidationError(`request name "${name}"`, 'not in the protocol'));
      const checked = check(definition.request, payload);
      if (!checked.ok) return throwError(() => new ValidationError(`payload of request "${name}"`, checked.reason));
      return requests.observe(name, definition.request.encode(checked.value), definition, timeout);
    }) as Client<P>['request'],
    send(message: unknown): void {
      if (isClosed) throw new ClientClosedError();
      const frame = JSON.stringify(message);
      if (frame === undefined) throw new InvalidOptionsError('send() needs a value that JSON can represent');
      outbound.push(frame);
    },
    connect(): Subscription {
      // The outcome of a fatal close is on state$; this subscriber only holds the connection.
      return inbound$.subscribe({ error: () => undefined });
    },
    close(): void {
      if (isClosed) return;
      connection.close();
      isClosed = true;
      closed.next();
      closed.complete();
      outbound.stop();
      events.complete();
      errors.complete();
      gaps.complete();
      tally.complete();
    },
  };
}

/** Decodes a frame; a custom adapter that throws on a strange frame must not end the connection. */
function decodeSafely(decode: (frame: unknown) => Inbound, frame: unknown): Inbound {
  try {
    return decode(frame);
  } catch (error) {
    return { kind: 'unknown', reason: `the adapter could not read a frame: ${(error as Error)?.message ?? error}` };
  }
}
