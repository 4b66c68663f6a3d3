import type { StreamPosition } from './position';
import type { Inbound } from './inbound';

export type { Inbound } from './inbound';

/**
 * What the client asks an adapter to put on the wire for a subscription.
 * `since` is the last position seen, present on a resubscribe.
 */
export interface WireSubscription {
  /**
   * A fresh id for this subscription on this connection, chosen by the client. Ids are
   * unique per connection across subscriptions and requests together (channels get
   * `'1'`, `'2'`, ...; requests `'r3'`, ...), so that a protocol whose requests and
   * subscriptions share one id space (GraphQL over WebSocket) can use them as they are.
   */
  readonly id: string;
  /** The channel's name in the protocol. */
  readonly channel: string;
  /** The channel's parameters, encoded by their codec. */
  readonly params: unknown;
  /** The last position (epoch and offset) this subscription saw, on a resubscribe after a reconnect. */
  readonly since?: StreamPosition;
}

/** A request as the client asks an adapter to put it on the wire. */
export interface WireRequest {
  /** The correlation id, chosen by the client, unique per connection with the subscriptions' ids. */
  readonly id: string;
  /** The request's name in the protocol. */
  readonly name: string;
  /** The payload, encoded by its codec. */
  readonly payload: unknown;
}

/** An error as a server reports it: a machine-readable code, a message, optional data. */
export interface WireError {
  /** A machine-readable code, e.g. `'FORBIDDEN'`. */
  readonly code: string;
  /** A human-readable message. */
  readonly message: string;
  /** Structured details, decoded by the request's `error` codec where there is one. */
  readonly data?: unknown;
}

/**
 * What one connection's handshake is told ({@link WireAdapter.hello}): the attempt, as
 * a token function is told, and the token that `auth.token` gave for it.
 */
export interface WireContext {
  /** 0 for the first connection attempt, then 1, 2, ... for each retry in a row. */
  readonly attempt: number;
  /** True when the previous attempt was refused with 4401: `token` was fetched afresh. */
  readonly refresh: boolean;
  /** The token `auth.token` returned for this attempt; undefined without `auth`. */
  readonly token: string | undefined;
}

/** How a connection ended, as {@link WireAdapter.closed} is told. */
export interface WireClose {
  /** The close code (1006 when the connection was lost without one). */
  readonly code: number;
  /** The close reason. */
  readonly reason: string;
  /** Whether the connection had been accepted (see {@link WireAdapter.acceptance}). */
  readonly accepted: boolean;
}

/**
 * What the client knows of the ids live on the current connection, for
 * {@link WireAdapter.decode}: protocols that answer subscriptions and requests with the
 * same messages (GraphQL's `next`, `error`, `complete`) read a frame by the kind of its id.
 */
export interface WireIds {
  /**
   * `'channel'` for the routing key of a live subscription, `'request'` for the id of a
   * request waiting for its reply, `undefined` for anything else (an id already left,
   * answered or timed out).
   */
  kindOf(id: string): 'channel' | 'request' | undefined;
}

/**
 * Translates between the client and one server's wire protocol (version 2 of the
 * interface; see `docs/adapters.md`). rxwire's own JSON envelope ({@link jsonEnvelope})
 * is one adapter; `graphqlTransportWs` from `rxwire/graphql` is another; one can also
 * make the same client speak a device feed with a single
 * `{"type":"subscribe","deviceIds":[...]}` message.
 *
 * Frames are JSON values; the client serializes what the adapter returns and parses
 * what arrives before calling {@link WireAdapter.decode}, once per frame. Returning
 * `undefined` from a frame builder means "send nothing".
 *
 * The life of one connection: the socket opens; the {@link WireAdapter.hello} frames go
 * out; with {@link WireAdapter.acceptance}, the client waits (within `connectTimeout`)
 * for a frame that decodes to `accepted`, sending nothing else but protocol-level
 * `reply` frames; then the connection is `open` on `state$` and the client subscribes
 * every live channel, sends the requests waiting, then the queued `send()`s, each frame
 * built when it is sent. When the socket closes, {@link WireAdapter.closed} is told, and
 * the close code decides reconnection ({@link WireAdapter.fatalCloseCodes}).
 *
 * @example
 * ```ts
 * // A device feed: subscribe by device id, updates routed by device id.
 * const deviceFeed: WireAdapter = {
 *   subscribe: ({ params }) => ({ type: 'subscribe', deviceIds: [(params as { id: string }).id] }),
 *   unsubscribe: ({ params }) => ({ type: 'unsubscribe', deviceIds: [(params as { id: string }).id] }),
 *   ping: () => ({ type: 'ping' }),
 *   routeKey: ({ params }) => (params as { id: string }).id,
 *   decode(frame): Inbound {
 *     const f = frame as { type?: string; deviceId?: string; payload?: unknown };
 *     if (f.type === 'update' && typeof f.deviceId === 'string') return { kind: 'message', key: f.deviceId, data: f.payload };
 *     if (f.type === 'pong') return { kind: 'pong' };
 *     return { kind: 'unknown', reason: `unexpected frame type ${String(f.type)}` };
 *   },
 * };
 * ```
 */
export interface WireAdapter {
  /**
   * The WebSocket subprotocols to offer, when the client's `protocols` option is not
   * given (`['graphql-transport-ws']` for GraphQL over WebSocket). @since v2
   * @defaultValue none
   */
  readonly protocols?: readonly string[];
  /**
   * Whether the server accepts a connection with a frame of its own (one that decodes
   * to `accepted`): rxwire's `welcome` after authentication, GraphQL's
   * `connection_ack` after `connection_init`. The client's `state$` then becomes `open`,
   * and it sends subscriptions, requests and queued messages, only once that frame
   * arrives; a connection the server refuses never shows `open`. Without it, a
   * connection is accepted as soon as its socket opens (after the `hello` frames).
   * @defaultValue false
   */
  readonly acceptance?: boolean;
  /**
   * Close codes after which reconnecting cannot help, for this protocol: the client's
   * reconnection gives up on them, as it does on {@link DEFAULT_FATAL_CLOSE_CODES} and
   * the user's `reconnect.fatalCodes`, which they add to. @since v2
   * @defaultValue none
   */
  readonly fatalCloseCodes?: readonly number[];
  /**
   * Frames to send first on every new connection, as soon as its socket opens and
   * before it is accepted (a handshake such as GraphQL's `connection_init`, which can
   * carry `context.token`). Called once per socket. (v1 called it with no argument, at
   * acceptance.)
   */
  hello?(context: WireContext): readonly unknown[];
  /** The frame that subscribes. Built when it is sent, on an accepted connection. */
  subscribe(subscription: WireSubscription): unknown;
  /** The frame that unsubscribes, sent when the last observer of a subscription leaves. */
  unsubscribe(subscription: WireSubscription): unknown;
  /**
   * One frame that carries several `subscribe` / `unsubscribe` frames issued in the same
   * turn (subscribing to many channels at once, resubscribing after a reconnect), in
   * order; the client sends at most 1,000 per batch. Without it each goes alone.
   * @defaultValue none: every frame goes alone
   */
  batch?(frames: readonly unknown[]): unknown;
  /**
   * The frames one inbound frame carries, when it carries several (a server answering a
   * {@link WireAdapter.batch} with a batch of its own): each is then read, in order,
   * exactly as if it had come alone ({@link WireAdapter.decode} once per frame, the
   * client's `maxDepth` applying to each). `undefined` for a frame that is not a batch.
   * @defaultValue none: every inbound frame is one frame
   */
  unbatch?(frame: unknown): readonly unknown[] | undefined;
  /**
   * The frame that sends a request, built when it is sent (on an accepted connection),
   * not when `request()` is called. Omit it if the protocol has no requests.
   */
  request?(request: WireRequest): unknown;
  /**
   * The frame that abandons a request already sent whose reply nobody waits for any
   * more (it timed out or was unsubscribed), e.g. GraphQL's `complete`. @since v2
   * @defaultValue none: nothing is sent
   */
  cancel?(request: WireRequest): unknown;
  /** The heartbeat ping, or `undefined` if the protocol has none. */
  ping(): unknown;
  /**
   * The key under which inbound messages of this subscription arrive: the
   * subscription id for rxwire's envelope, a device id for a device feed.
   * Must be unique among live subscriptions.
   */
  routeKey(subscription: WireSubscription): string;
  /**
   * Reads one parsed inbound frame; called exactly once per frame (the heartbeat's pong
   * check reuses its result). `ids` says what each id live on the connection belongs
   * to; the client always passes it (it is optional so that an adapter can be called
   * alone, in a test). It may throw: the frame is then reported on `errors$` and the
   * connection goes on.
   */
  decode(frame: unknown, ids?: WireIds): Inbound;
  /**
   * Told once per socket that opened, when it closed (or was closed by the client),
   * for adapters that keep state per connection. @since v2
   * @defaultValue none
   */
  closed?(close: WireClose): void;
}
