import type { WireError } from './adapter';

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
