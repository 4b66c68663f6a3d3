import type { StreamPosition } from './position';

/**
 * What the client asks an adapter to put on the wire for a subscription.
 * `since` is the last position seen, present on a resubscribe.
 */
export interface WireSubscription {
  /** A fresh id for this subscription on this connection, chosen by the client. */
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
      /** The message's offset within its stream's epoch, if the server numbers messages. */
      readonly offset?: number;
      /** The stream's epoch, when the server says it: on the first message of a new epoch that follows without a loss. */
      readonly epoch?: string;
      /** The message, still encoded. */
      readonly data: unknown;
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
      /** The server refused a subscription, or ended it with an error. */
      readonly kind: 'subscription-error';
      /** The subscription's routing key. */
      readonly key: string;
      /** Why. */
      readonly error: WireError;
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
      /**
       * The server accepted the connection (after authenticating it): only now is it
       * open. Sent once, first, by servers whose adapter declares {@link WireAdapter.acceptance}.
       */
      readonly kind: 'accepted';
      /** The server's id of the connection, if it says one. */
      readonly connection?: string;
      /** The server's native ping interval in milliseconds, if it says one. */
      readonly pingInterval?: number;
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
  /**
   * Whether the server accepts a connection with a frame of its own (one that decodes
   * to `accepted`) after authenticating it. The client's `state$` then becomes `open`,
   * and it sends subscriptions, requests and queued messages, only once that frame
   * arrives; a connection the server refuses never shows `open`. Without it, a
   * connection is open as soon as the socket is.
   * @defaultValue false
   */
  readonly acceptance?: boolean;
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
