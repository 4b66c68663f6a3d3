import type { StreamPosition } from './position';

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

/** What an inbound frame means, as an adapter reads it. */
export type Inbound =
  | {
      /** A message for the subscription routed under `key`. */
      readonly kind: 'message';
      /** The routing key: what {@link WireAdapter.routeKey} gave for the subscription. */
      readonly key: string;
      /** The message's offset within its stream's epoch, if the server numbers messages. */
      readonly offset?: number;
      /** The stream's epoch, when the server says it: on the first message of a new epoch that follows without a loss. */
      readonly epoch?: string;
      /** The message, still encoded. */
      readonly data: unknown;
      /**
       * An error the server reported alongside the message (GraphQL's partial results):
       * the message is delivered and the error reported on `errors$` as a
       * {@link RemoteError} of the channel. @since v2
       */
      readonly error?: WireError;
    }
  | {
      /** The server confirmed a subscription. */
      readonly kind: 'subscribed';
      /** The subscription's routing key. */
      readonly key: string;
      /** The stream's current epoch, if the server numbers messages. */
      readonly epoch?: string;
      /** The stream's current offset (of its last message, 0 before the first), if the server numbers messages. */
      readonly offset?: number;
    }
  | {
      /**
       * The server refused a subscription or ended it with an error: the channel errors
       * with {@link SubscriptionError}, or with {@link RemoteError} when `live`.
       */
      readonly kind: 'subscription-error';
      /** The subscription's routing key. */
      readonly key: string;
      /** Why. */
      readonly error: WireError;
      /**
       * True when the subscription is still live on the server (an error inside it, not
       * a refusal, such as a GraphQL `next` with errors and no data): the channel errors
       * with a {@link RemoteError} and the client sends the adapter's `unsubscribe`
       * frame, so that the server stops streaming to a subscription nobody reads.
       * @defaultValue false
       * @since v2
       */
      readonly live?: boolean;
    }
  | {
      /**
       * The server completed the subscription routed under `key`: its channel completes
       * and is forgotten (nothing is sent back; it is not resubscribed). @since v2
       */
      readonly kind: 'complete';
      /** The subscription's routing key. */
      readonly key: string;
    }
  | {
      /** Messages of a subscription are lost: the server cannot deliver or replay them. */
      readonly kind: 'gap';
      /** The subscription's routing key. */
      readonly key: string;
      /** The epoch of the messages that follow: a new one when the stream's history was lost. */
      readonly epoch: string;
      /** The first offset of `epoch` that is lost, if the server says. */
      readonly from?: number;
      /** The last offset of `epoch` that is lost, if the server says. */
      readonly to?: number;
      /** How many messages were lost, when known. */
      readonly lost?: number;
    }
  | {
      /** An event. */
      readonly kind: 'event';
      /** The event's name in the protocol. */
      readonly name: string;
      /** The payload, still encoded. */
      readonly data: unknown;
    }
  | {
      /**
       * The reply to a request: `data` when it succeeded, `error` when it failed, both
       * for a partial result (the data is delivered and the error reported on `errors$`
       * as a {@link RemoteError}).
       */
      readonly kind: 'response';
      /** The request's correlation id. */
      readonly id: string;
      /** The reply, still encoded. */
      readonly data?: unknown;
      /** The error: alone, the request fails with it; with `data`, it is reported on `errors$`. */
      readonly error?: WireError;
    }
  | {
      /** A heartbeat answer. */
      readonly kind: 'pong';
    }
  | {
      /**
       * The server accepted the connection (after authenticating it or acknowledging the
       * handshake): only now is it open. Looked for only when the adapter declares
       * {@link WireAdapter.acceptance}; later ones are ignored.
       */
      readonly kind: 'accepted';
      /** The server's id of the connection, if it says one. */
      readonly connection?: string;
      /** The server's native ping interval in milliseconds, if it says one. */
      readonly pingInterval?: number;
    }
  | {
      /**
       * A protocol-level frame that wants an answer on the same socket (GraphQL's
       * `ping` wants a `pong`): `frames` are sent back at once, before acceptance too,
       * and the frame counts as a sign of life. @since v2
       */
      readonly kind: 'reply';
      /** The frames to send back, in order (JSON values). */
      readonly frames: readonly unknown[];
    }
  | {
      /**
       * A frame the adapter understood and that needs nothing (a request's `complete`
       * after its reply): not reported, but a sign of life. @since v2
       */
      readonly kind: 'ignore';
    }
  | {
      /** A frame the adapter does not understand; reported on `errors$` with `reason`. */
      readonly kind: 'unknown';
      /** Why the frame was not understood. */
      readonly reason: string;
    };

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
