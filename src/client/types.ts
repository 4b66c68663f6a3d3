import type { Observable, Subscription } from 'rxjs';
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
import type { ClientError } from '../protocol/errors';

/** The connection's state, as published on {@link Client.state$}. */
export type ConnectionState =
  | {
      /** A connection attempt is under way. */
      readonly status: 'connecting';
      /** 0 for the first attempt, then the retry number. */
      readonly attempt: number;
    }
  | {
      /** The socket is open. */
      readonly status: 'open';
      /** The subprotocol the server selected ('' for none). */
      readonly protocol: string;
    }
  | {
      /** The connection was lost; a retry is waiting out its delay. */
      readonly status: 'reconnecting';
      /** The retry about to be made, 1-based. */
      readonly attempt: number;
      /** Milliseconds until the retry. */
      readonly delay: number;
      /** The close code the previous connection ended with, if any. */
      readonly code: number | undefined;
      /** What the previous connection ended with. */
      readonly error: unknown;
    }
  | {
      /** No connection and none under way. */
      readonly status: 'closed';
      /** The close code: 1000 for `close()` and for a client nobody is subscribed to. */
      readonly code: number;
      /** The close reason. */
      readonly reason: string;
      /**
       * True when nothing will reconnect: after `close()` or a fatal error. False while
       * the lazy client waits for its first subscriber.
       */
      readonly final: boolean;
      /** The error that ended the connection, when it was not a normal close. */
      readonly error?: unknown;
    };

/** Counters of a client, as published on {@link Client.stats$}. */
export interface ClientStats {
  /** Inbound frames received, a `batch` counting as the frames it carries. */
  readonly messagesIn: number;
  /** Inbound bytes (UTF-8 length of text frames). */
  readonly bytesIn: number;
  /** Outbound frames sent, pings included. */
  readonly messagesOut: number;
  /** Outbound bytes. */
  readonly bytesOut: number;
  /** Inbound frames that could not be decoded. */
  readonly decodeErrors: number;
  /** Outbound messages dropped by the offline queue. */
  readonly dropped: number;
  /** Outbound messages held in the offline queue right now. */
  readonly queued: number;
  /** Replayed messages dropped because they had been delivered already. */
  readonly duplicates: number;
  /** Gap notices emitted on `gaps$`. */
  readonly gaps: number;
  /** Replies that arrived after their request timed out or was unsubscribed. */
  readonly lateReplies: number;
  /** Wire subscriptions live now (one per distinct channel and params). */
  readonly channels: number;
  /** Requests waiting for their reply now. */
  readonly pendingRequests: number;
  /** Connections opened after the first one. */
  readonly reconnects: number;
  /** The last measured heartbeat round-trip time in milliseconds, if any. */
  readonly roundTripTime: number | undefined;
}

/** Options of one request. */
export interface RequestOptions {
  /**
   * Milliseconds to wait for the reply.
   * @defaultValue the client's `requestTimeout`
   */
  timeout?: number;
}

/** The client returned by {@link createClient}, typed by its protocol `P`. */
export interface Client<P extends Protocol = EmptyProtocol> {
  /**
   * The messages of one channel with the given params, decoded and validated.
   *
   * Observers of the same channel and params (compared by value, key order ignored)
   * share one wire subscription: it is sent when the first observer arrives and undone
   * when the last leaves. After every reconnect it is sent again, once, with the last
   * position seen (the stream's epoch and offset); replayed messages already delivered
   * are dropped, and what the server can no longer replay is one notice on `gaps$`. A server
   * refusal errors this Observable alone with {@link SubscriptionError}; params that
   * fail their codec error it with {@link ValidationError} before anything is sent.
   */
  channel<N extends ChannelName<P>>(name: N, params: ChannelParams<P, N>): Observable<ChannelMessage<P, N>>;
  /** The events named `name`, decoded and validated. Subscribing holds the connection. */
  event<N extends EventName<P>>(name: N): Observable<EventPayload<P, N>>;
  /**
   * Sends a request and emits its typed reply once, then completes. Errors with
   * {@link RequestTimeoutError}, {@link RemoteError} (the server's error), or
   * {@link ValidationError} (the payload failed its codec: nothing was sent). Made while
   * offline, it waits (within its timeout) and goes out on the next open. Cold: each
   * subscription sends one request; unsubscribing forgets it.
   */
  request<N extends RequestName<P>>(name: N, payload: RequestPayload<P, N>, options?: RequestOptions): Observable<ResponseOf<P, N>>;
  /** Notices of messages lost beyond recovery, per channel: refetch what you need. */
  readonly gaps$: Observable<GapNotice>;
  /** The connection's state; replays the current state to every new subscriber. */
  readonly state$: Observable<ConnectionState>;
  /**
   * Every inbound message, parsed from JSON. Subscribing connects (lazily); the
   * connection stays up while anything is subscribed. Errors only when the connection
   * fails for good (a fatal close code or `maxAttempts` reached); completes on `close()`.
   */
  readonly messages$: Observable<unknown>;
  /**
   * Every error that did not end the client: failed connection attempts, frames that
   * could not be decoded, dropped outbound messages, errors a server reported alongside
   * the data it delivered (a GraphQL partial result, as a {@link RemoteError}). Each is one of the
   * {@link ClientError} classes, narrowable on `kind`. Completes on `close()`.
   */
  readonly errors$: Observable<ClientError>;
  /** The client's counters: emitted at once, then at most every `statsInterval` while they change. */
  readonly stats$: Observable<ClientStats>;
  /**
   * Sends a message as JSON, at once if the connection is open, otherwise after the
   * offline queue flushes it on the next open.
   * @throws {@link QueueOverflowError} when the queue is full and its overflow policy is `'error'`.
   * @throws {@link ClientClosedError} after `close()`.
   */
  send(message: unknown): void;
  /**
   * Holds the connection open, as a subscriber would, until the returned
   * subscription is unsubscribed. For clients that only send.
   */
  connect(): Subscription;
  /**
   * Closes the connection with 1000 (normal closure), never to reconnect; completes
   * every stream; reports messages still queued as dropped; leaves no timer, listener
   * or socket behind.
   */
  close(): void;
}

/**
 * A notice that messages of a channel were lost and cannot be replayed: refetch what
 * you need. One notice per loss; never one when nothing was lost.
 *
 * Within one epoch (the client was away longer than the server's history reaches),
 * `from`..`to` are the offsets lost and `lost` is how many. When the stream's epoch
 * changed (its history was lost: a new stream, a server restart without persistence,
 * history expired), `epoch` is the new one and `lost` is undefined: nobody can say how
 * many messages the old epoch still had; `from`..`to`, if present, are offsets of the
 * new epoch that are gone too.
 *
 * @example
 * ```ts
 * client.gaps$.subscribe((gap) => {
 *   console.warn(`${gap.channel}: ${gap.lost ?? 'an unknown number of'} messages lost`);
 *   refetch(gap.channel, gap.params);
 * });
 * ```
 */
export interface GapNotice {
  /** The channel's name. */
  readonly channel: string;
  /** The channel's parameters. */
  readonly params: unknown;
  /** The stream's epoch after the loss: the messages that follow belong to it. */
  readonly epoch: string;
  /** How many messages were lost, when that is known. */
  readonly lost?: number;
  /** The first offset of `epoch` lost, when the loss lies in it. */
  readonly from?: number;
  /** The last offset of `epoch` lost, when the loss lies in it. */
  readonly to?: number;
}

export type { AuthOptions, ClientHeartbeatOptions, ClientOptions, ClientQueueOptions, TokenContext, WebSocketConstructor, WebSocketLike } from './options';
