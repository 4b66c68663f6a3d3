import { Subject, asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import type * as t from 'io-ts';
import { randomUUID } from 'node:crypto';
import { CloseCode } from '../../protocol/closeCodes';
import { lookup, type Protocol } from '../../protocol/defineProtocol';
import { Tally } from '../../internal/tally';
import type { Broker, StreamPosition } from '../brokers/types';
import { memoryBroker } from '../brokers/memoryBroker';
import { ForbiddenError, ServerClosedError } from '../errors';
import { Connection } from './connection';
import { Publishing, checked } from './publishing';
import type { ConnectionContext, Counted } from './context';
import { ServerMetrics, type RefusalReason } from './metrics';
import type { Peer, PeerTransport } from './transport';
import type { ConnectionEvent, ConnectionInfo, PresenceMember, RequestHandler, ServerStats } from './types';

/** What the core is built from: the transport-free part of the server's options, defaults applied. */
export interface CoreOptions<A, C> {
  readonly protocol: Protocol;
  /** A broker given is the caller's; without one the core makes a `memoryBroker()` and closes it in `close()`. */
  readonly broker?: Broker | undefined;
  /** Decides who connects, from what the transport knows of the peer (`C`). */
  readonly authenticate?: ((context: C) => A | undefined | Promise<A | undefined>) | undefined;
  readonly authorize?: ((principal: A, channel: string, params: unknown) => boolean | Promise<boolean>) | undefined;
  readonly presence?: ((principal: A) => unknown) | undefined;
  readonly maxSubscriptions: number;
  readonly rate: { readonly messages: number; readonly interval: number };
  readonly maxBufferedBytes: number;
  readonly maxDepth: number;
  /** The native ping period, told to each peer in its `welcome`. */
  readonly pingInterval: number;
  /** How long `authenticate` may take before the peer is told "try again later" (1013). */
  readonly upgradeTimeout: number;
  /** Where time comes from: the rate limits, the bound on `authenticate`, `stats$`. @defaultValue asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** What `admit` decided: a principal to accept, or the close code to refuse with. */
export type Admission<A> = { readonly principal: A } | { readonly refuse: 4401 | 4403 | 1013 };

/** The server without its transport: what `createServer` wraps in `ws`, and tests drive with a fake. */
export interface ServerCore<A, C> {
  /** Runs `authenticate` for a peer that asks to connect, bounded by `upgradeTimeout`. Never rejects. */
  admit(context: C): Promise<Admission<A>>;
  /** Accepts a peer: sends it its `welcome` and returns what its transport reports to. */
  accept(transport: PeerTransport, principal: A): Peer<A>;
  /** Counts a peer refused at the upgrade. */
  refused(reason: RefusalReason): void;
  /** The accepted connections open now. */
  peers(): IterableIterator<Peer<A>>;
  /** Whether `close` was called. */
  readonly closed: boolean;
  publish(channel: string, params: unknown, message: unknown): Promise<StreamPosition>;
  presence(channel: string, params: unknown): Promise<PresenceMember[]>;
  handle(name: string, handler: RequestHandler<unknown, unknown, A>): void;
  emit(name: string, payload: unknown, to?: (connection: ConnectionInfo<A>) => boolean): void;
  readonly connections$: Observable<ConnectionEvent<A>>;
  readonly stats$: Observable<ServerStats>;
  metrics(): string;
  /**
   * Refuses all further use (`publish` and `emit` throw `ServerClosedError`), awaits
   * `drain` (the transport closing its peers), closes a broker the core made, and
   * completes `connections$` and `stats$`.
   */
  close(drain?: () => Promise<void>): Promise<void>;
}

/** The refusal a close code of `admit` is counted as. */
export function refusalOf(code: 4401 | 4403 | 1013): { reason: RefusalReason; text: string } {
  if (code === CloseCode.Forbidden) return { reason: 'forbidden', text: 'forbidden' };
  if (code === CloseCode.Unauthorized) return { reason: 'unauthorized', text: 'unauthorized' };
  return { reason: 'unavailable', text: 'try again later' };
}

type Counters = { -readonly [K in keyof ServerStats]: number };

/** Makes the transport-free server: connections, subscriptions, requests, limits, brokers, stats. */
export function createServerCore<A, C>(options: CoreOptions<A, C>): ServerCore<A, C> {
  const { protocol, authenticate, pingInterval, upgradeTimeout, scheduler = asyncScheduler } = options;
  const broker = options.broker ?? memoryBroker();
  const connections = new Map<string, Connection<A>>();
  const handlers = new Map<string, RequestHandler<unknown, unknown, A>>();
  const events = new Subject<ConnectionEvent<A>>();
  const tally = new Tally<Counters>({ connections: 0, subscriptions: 0, messagesIn: 0, messagesOut: 0, published: 0, refused: 0, closedForLimits: 0 });
  const figures = new ServerMetrics();
  let ids = 0;
  let closed = false;

  const context = connectionContext(options, broker, handlers, { tally, figures, scheduler }, (connection, code, reason) => {
    connections.delete(connection.info.id);
    tally.add('connections', -1);
    // A peer cut off by this side reports 1006 locally: tell the code it was sent.
    const own = connection.closedWith;
    figures.closed(own?.code ?? code);
    events.next({ type: 'disconnected', connection: connection.info, code: own?.code ?? code, reason: own?.reason ?? reason });
  });

  // Added to on every publish: by name, then `moved` (see Tally.moved).
  const countPublished = (): void => {
    tally.counts.published += 1;
    tally.moved();
  };
  const publishing = new Publishing(protocol);
  const streamFor = (channel: string, params: unknown): string => publishing.streamOf(channel, params);
  const published = ({ epoch, offset }: StreamPosition): StreamPosition => {
    countPublished();
    return { epoch, offset };
  };

  return {
    admit: (upgrade) => admit(authenticate, upgrade, upgradeTimeout, scheduler),
    accept(transport, principal) {
      const connection = new Connection(String(++ids), principal, transport, context);
      connections.set(connection.info.id, connection);
      // Accepted means open: the client's state$ becomes open, and it sends anything, only
      // after this frame, so nothing goes into a connection that is about to be refused.
      connection.send(JSON.stringify({ type: 'welcome', connection: connection.info.id, ping: pingInterval }));
      events.next({ type: 'connected', connection: connection.info });
      tally.add('connections', 1);
      return connection;
    },
    refused(reason) {
      figures.refused(reason);
      tally.add('refused');
    },
    peers: () => connections.values(),
    get closed() {
      return closed;
    },
    publish(channel, params, message) {
      // Not an async function: one promise (the broker's, then this) per publish, not three;
      // one alone with a broker that can publish at once.
      try {
        if (closed) throw new ServerClosedError();
        const stream = publishing.streamOf(channel, params);
        const data = publishing.encode(channel, message);
        if (broker.publishNow !== undefined) {
          // A broker that waits for nothing (the memory broker): one promise, already settled.
          const { epoch, offset } = broker.publishNow(stream, data);
          countPublished();
          return Promise.resolve({ epoch, offset });
        }
        return broker.publish(stream, data).then(published);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async presence(channel, params) {
      const members = await broker.members(streamFor(channel, params));
      return members.map((member) => JSON.parse(member) as PresenceMember);
    },
    handle(name, handler) {
      handlers.set(name, handler);
    },
    emit(name, payload, to) {
      const codec = lookup(protocol.events, name) as t.Mixed | undefined;
      const data = codec!.encode(checked(codec, payload, `payload of event "${name}"`));
      if (closed) throw new ServerClosedError();
      for (const connection of connections.values()) if (!to || to(connection.info)) connection.event(name, data);
    },
    connections$: events.asObservable(),
    stats$: tally.stream((): ServerStats => ({ ...tally.counts }), 1000, scheduler),
    metrics: () => figures.render(tally.counts, tally.counts),
    async close(drain) {
      if (closed) return;
      closed = true;
      await drain?.();
      if (options.broker === undefined) await broker.close();
      events.complete();
      tally.complete();
    },
  };
}

/** What the core's connections share: its options, its broker and handlers, its counters. */
function connectionContext<A>(
  options: CoreOptions<A, never>,
  broker: Broker,
  handlers: ReadonlyMap<string, RequestHandler<unknown, unknown, A>>,
  { tally, figures, scheduler }: { tally: Tally<Counters>; figures: ServerMetrics; scheduler: SchedulerLike },
  left: ConnectionContext<A>['left'],
): ConnectionContext<A> {
  const { protocol, authorize, presence } = options;
  const instance = randomUUID();
  return {
    protocol,
    broker,
    handlers,
    authorize,
    maxSubscriptions: options.maxSubscriptions,
    rate: options.rate,
    maxBufferedBytes: options.maxBufferedBytes,
    maxDepth: options.maxDepth,
    presence: presence ? (connection) => JSON.stringify({ connection: `${instance}/${connection.id}`, info: presence(connection.principal) ?? null }) : undefined,
    now: () => scheduler.now(),
    count(what: Counted, delta = 1) {
      // Once per send: a switch over literal keys, the hot counters added to by name.
      switch (what) {
        case 'out':
          tally.counts.messagesOut += delta;
          return tally.moved();
        case 'in':
          tally.counts.messagesIn += delta;
          return tally.moved();
        case 'subscription':
          return tally.add('subscriptions', delta);
        case 'limit':
          return tally.add('closedForLimits');
        case 'dropped':
          figures.dropped += delta;
      }
    },
    answered: (name, ms) => figures.request(name, ms),
    left,
  };
}

/** What `admit` decides without `authenticate`: everyone is accepted, as `undefined`. */
const EVERYONE: Admission<undefined> = Object.freeze({ principal: undefined });

/**
 * Runs `authenticate` within `timeout`: a principal is accepted (without `authenticate`,
 * everyone is, as `undefined`); `undefined` is refused with 4401; a `ForbiddenError`
 * with 4403 (final); any other failure, or no answer in time, with 1013 ("try again later").
 */
function admit<A, C>(authenticate: ((context: C) => A | undefined | Promise<A | undefined>) | undefined, upgrade: C, timeout: number, scheduler: SchedulerLike): Promise<Admission<A>> {
  // Nothing to wait for: no timer, no chain of promises (a reconnect storm admits thousands at once).
  if (!authenticate) return Promise.resolve(EVERYONE as Admission<A>);
  return new Promise((resolve) => {
    const timer = scheduler.schedule(() => resolve({ refuse: CloseCode.TryAgainLater }), timeout);
    Promise.resolve()
      .then(() => authenticate(upgrade))
      .then(
        (principal) => resolve(principal === undefined ? { refuse: CloseCode.Unauthorized } : { principal }),
        // A known principal refused is final; an authenticate that failed (its database
        // is down) is this server's trouble: "try again later".
        (error: unknown) => resolve({ refuse: error instanceof ForbiddenError ? CloseCode.Forbidden : CloseCode.TryAgainLater }),
      )
      .finally(() => timer.unsubscribe());
  });
}
