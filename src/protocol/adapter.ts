/**
 * What the client asks an adapter to put on the wire for a subscription.
 * `since` is the last sequence number seen, present on a resubscribe.
 */
export interface WireSubscription {
  /** A fresh id for this subscription on this connection, chosen by the client. */
  readonly id: string;
  /** The channel's name in the protocol. */
  readonly channel: string;
  /** The channel's parameters, encoded by their codec. */
  readonly params: unknown;
  /** The last sequence number this subscription saw, on a resubscribe after a reconnect. */
  readonly since?: number;
}

/** A request as the client asks an adapter to put it on the wire. */
export interface WireRequest {
  /** The correlation id, chosen by the client. */
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

/** What an inbound frame means, as an adapter reads it. */
export type Inbound =
  | {
      /** A message for the subscription routed under `key`. */
      readonly kind: 'message';
      /** The routing key: what {@link WireAdapter.routeKey} gave for the subscription. */
      readonly key: string;
      /** The message's sequence number within its channel and params, if the server numbers them. */
      readonly seq?: number;
      /** The message, still encoded. */
      readonly data: unknown;
    }
  | {
      /** The server confirmed a subscription. */
      readonly kind: 'subscribed';
      /** The subscription's routing key. */
      readonly key: string;
      /** The channel's current sequence number, if the server numbers messages. */
      readonly seq?: number;
    }
  | {
      /** The server refused a subscription, or ended it with an error. */
      readonly kind: 'subscription-error';
      /** The subscription's routing key. */
      readonly key: string;
      /** Why. */
      readonly error: WireError;
    }
  | {
      /** The server cannot replay messages `from`..`to` of a subscription. */
      readonly kind: 'gap';
      /** The subscription's routing key. */
      readonly key: string;
      /** The first sequence number that is lost. */
      readonly from: number;
      /** The last sequence number that is lost. */
      readonly to: number;
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
      /** The reply to a request. */
      readonly kind: 'response';
      /** The request's correlation id. */
      readonly id: string;
      /** The reply, still encoded, when the request succeeded. */
      readonly data?: unknown;
      /** The error, when it did not. */
      readonly error?: WireError;
    }
  | {
      /** A heartbeat answer. */
      readonly kind: 'pong';
    }
  | {
      /** A frame the adapter does not understand; reported on `errors$` with `reason`. */
      readonly kind: 'unknown';
      /** Why the frame was not understood. */
      readonly reason: string;
    };

/**
 * Translates between the client and one server's wire protocol. rxwire's own JSON
 * envelope ({@link jsonEnvelope}) is one adapter; another can make the same client
 * speak, for example, GraphQL over WebSocket or a device feed with a single
 * `{"type":"subscribe","deviceIds":[...]}` message.
 *
 * Frames are JSON values; the client serializes what the adapter returns and parses
 * what arrives before calling {@link WireAdapter.decode}. Returning `undefined` means
 * "send nothing".
 */
export interface WireAdapter {
  /** Frames to send first on every new connection (a handshake such as `connection_init`). */
  hello?(): unknown[];
  /** The frame that subscribes. */
  subscribe(subscription: WireSubscription): unknown;
  /** The frame that unsubscribes, sent when the last observer of a subscription leaves. */
  unsubscribe(subscription: WireSubscription): unknown;
  /** The frame that sends a request. Omit it if the protocol has no requests. */
  request?(request: WireRequest): unknown;
  /** The heartbeat ping, or `undefined` if the protocol has none. */
  ping(): unknown;
  /**
   * The key under which inbound messages of this subscription arrive: the
   * subscription id for rxwire's envelope, a device id for a device feed.
   * Must be unique among live subscriptions.
   */
  routeKey(subscription: WireSubscription): string;
  /** Reads one parsed inbound frame. */
  decode(frame: unknown): Inbound;
}
