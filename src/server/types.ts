import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Observable } from 'rxjs';
import type {
  ChannelMessage,
  ChannelName,
  ChannelParams,
  EmptyProtocol,
  EventName,
  EventPayload,
  Protocol,
  RequestName,
  RequestPayload,
  ResponseOf,
} from '../protocol/defineProtocol';
import type { Broker, StreamPosition } from './brokers/types';
import type { ConnectionEvent, ConnectionInfo, PresenceMember, RequestHandler, ServerStats } from './core/types';

export type { ConnectionEvent, ConnectionInfo, PresenceMember, RequestContext, RequestHandler, ServerStats } from './core/types';

/** What `authenticate` is given about a peer that asks to connect. */
export interface UpgradeContext {
  /** The token from the `Authorization: Bearer` header, the `token` query parameter or a `bearer.` subprotocol entry. */
  readonly token: string | undefined;
  /** The HTTP upgrade request. */
  readonly request: IncomingMessage;
}

/** The limits of one connection. Each one broken leaves every other connection untouched. */
export interface ServerLimits {
  /**
   * Largest inbound frame in bytes; a larger one closes the peer with 1009.
   * @defaultValue 1048576 (1 MiB)
   */
  maxPayload?: number;
  /**
   * Most live subscriptions per connection; one more is refused with `TOO_MANY_SUBSCRIPTIONS`.
   * @defaultValue 1000
   */
  maxSubscriptions?: number;
  /**
   * Most inbound frames per `interval` milliseconds; more closes the peer with 1008.
   * @defaultValue `{ messages: 2000, interval: 1000 }`
   */
  rate?: {
    /** Frames allowed per interval. */
    messages: number;
    /** The interval in milliseconds. */
    interval: number;
  };
  /**
   * Most bytes queued for a peer that is not reading; more closes it with 1013 and
   * destroys its socket, so the server's memory stays bounded however slow a peer is.
   * @defaultValue 4194304 (4 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * The deepest nesting of arrays and objects accepted in an inbound frame, the
   * envelope counting as one level. A deeper `req` or `sub` is answered with the error
   * code `TOO_DEEP` (the connection stays); any other deeper frame closes the peer
   * with 1007. It bounds what validation (`t.recursion` codecs) and error messages walk.
   * @defaultValue 64
   */
  maxDepth?: number;
  /**
   * Most connections at once, counting upgrades in progress and refused peers not yet
   * gone; one more is refused with HTTP 503 before anything else is done for it.
   * @defaultValue 10000
   */
  maxConnections?: number;
  /**
   * Most connections at once from one address (as `addressOf` tells it); one more is
   * refused with HTTP 503.
   * @defaultValue 1000
   */
  maxConnectionsPerAddress?: number;
}

/** Options of {@link createServer}. Every default is also in {@link SERVER_DEFAULTS}. */
export interface ServerOptions<P extends Protocol = EmptyProtocol, A = unknown> {
  /** The protocol made by `defineProtocol`, shared with the clients. */
  protocol: P;
  /**
   * Port to listen on (0 picks a free one). Give `port` or `server`.
   */
  port?: number;
  /**
   * Address to listen on.
   * @defaultValue '127.0.0.1'
   */
  host?: string;
  /** An existing HTTP server to attach to, instead of `port`. */
  server?: HttpServer;
  /**
   * Only upgrades to this path are accepted.
   * @defaultValue any path
   */
  path?: string;
  /**
   * Decides who connects. Return the principal; return `undefined` to refuse with 4401;
   * throw `ForbiddenError` to refuse with 4403. Tokens are never logged or echoed.
   * @defaultValue everyone connects, with principal `undefined`
   */
  authenticate?: (context: UpgradeContext) => A | undefined | Promise<A | undefined>;
  /**
   * Decides each subscription; `false` refuses it with `FORBIDDEN` for that subscription only.
   * @defaultValue every subscription is allowed
   */
  authorize?: (principal: A, channel: string, params: unknown) => boolean | Promise<boolean>;
  /**
   * How a refused peer is told: `'close'` accepts the upgrade and closes at once with
   * 4401 / 4403 (browsers report a refused upgrade as 1006, which looks like a network
   * failure); `'http'` answers 401 / 403 without creating a socket.
   * @defaultValue 'close'
   */
  refuseWith?: 'close' | 'http';
  /**
   * Browser origins allowed to connect (`Origin` header); others get HTTP 403.
   * @defaultValue any origin
   */
  origins?: readonly string[];
  /**
   * Where published messages and their history live. A broker you pass in is yours:
   * `close()` leaves it open (share it with a restarted server, close it yourself).
   * @defaultValue memoryBroker(), closed with the server
   */
  broker?: Broker;
  /** Per-connection limits. */
  limits?: ServerLimits;
  /**
   * Milliseconds between native pings; a peer that has not answered the previous one is terminated.
   * @defaultValue 30000
   */
  pingInterval?: number;
  /**
   * Turns presence on: what each subscriber shows to others in `server.presence()`,
   * derived from its principal (e.g. `(user) => ({ name: user.name })`). Presence is
   * kept by the broker, so it spans every process sharing it.
   * @defaultValue presence off
   */
  presence?: (principal: A) => unknown;
  /**
   * Milliseconds a peer has to complete its upgrade (HTTP headers and `authenticate`):
   * a slow or stalled upgrade is cut off, so half-finished handshakes cannot pile up.
   * Applies to the HTTP server the rxwire server creates, and to `authenticate` always.
   * @defaultValue 10000
   */
  upgradeTimeout?: number;
  /**
   * Milliseconds `close()` lets queued frames drain before destroying the sockets left,
   * and that a refused peer (4401, 4403) has to complete the close handshake before its
   * socket is destroyed, so refusals cost the server nothing for long.
   * @defaultValue 2000
   */
  closeTimeout?: number;
  /**
   * The address a connection comes from, for `limits.maxConnectionsPerAddress`. Behind
   * a proxy, read it from the header the proxy sets (and only trust that header there).
   * @defaultValue the TCP peer's address (`request.socket.remoteAddress`)
   */
  addressOf?: (request: IncomingMessage) => string;
  /**
   * A path on which the server's own HTTP server answers `GET` with {@link Server.metrics}
   * (Prometheus's text format), e.g. `'/metrics'`. Not served when `server` is given:
   * call `metrics()` from your own handler there.
   * @defaultValue undefined (not served)
   */
  metricsPath?: string;
}

/** The server returned by {@link createServer}, typed by its protocol. */
export interface Server<P extends Protocol = EmptyProtocol, A = unknown> {
  /** The port it listens on. */
  readonly port: number;
  /**
   * Publishes a message to a channel with the given params: validated by the channel's
   * codec, numbered, kept in the broker's history, delivered to every subscriber.
   * Params with keys their codec does not declare reach the same stream as without them.
   * Resolves with the message's position in its stream: the stream's `epoch` and the
   * message's `offset` within it (1 for the first message of an epoch).
   */
  publish<N extends ChannelName<P>>(channel: N, params: ChannelParams<P, N>, message: ChannelMessage<P, N>): Promise<StreamPosition>;
  /** Answers requests of one name. A thrown `RequestError` becomes a typed error reply. */
  handle<N extends RequestName<P>>(name: N, handler: RequestHandler<RequestPayload<P, N>, ResponseOf<P, N>, A>): void;
  /** Sends an event to every connection, or to those `to` selects. Validated by the event's codec. */
  emit<N extends EventName<P>>(name: N, payload: EventPayload<P, N>, to?: (connection: ConnectionInfo<A>) => boolean): void;
  /**
   * Who is subscribed to a channel with these params right now, over every process
   * sharing the broker: what the `presence` option made of each subscriber.
   * Empty when presence is off.
   */
  presence<N extends ChannelName<P>>(channel: N, params: ChannelParams<P, N>): Promise<PresenceMember[]>;
  /** Connections arriving and leaving. */
  readonly connections$: Observable<ConnectionEvent<A>>;
  /** The server's counters: at once, then at most every second while they change. */
  readonly stats$: Observable<ServerStats>;
  /**
   * The server's figures in Prometheus's text exposition format: connections,
   * subscriptions, frames in, out and dropped, messages published, refusals by reason,
   * closes by code, and request latency by name (a histogram). Serve it yourself or
   * through the `metricsPath` option.
   */
  metrics(): string;
  /**
   * Sends 1001 (going away) to every peer, lets queued frames drain within
   * `closeTimeout`, and releases everything it created (a broker passed in stays open).
   */
  close(): Promise<void>;
}
