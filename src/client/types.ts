import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { ReconnectConfig } from '../operators/reconnect';
import type { OverflowPolicy } from '../operators/queueWhileOffline';
import type { WireAdapter } from '../protocol/adapter';
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
import type { ClientError, ConnectTimeoutError } from '../protocol/errors';
import type { GapNotice } from './channels';

/**
 * The part of a WebSocket that rxwire uses: the browser's `WebSocket`, the `ws`
 * package's class and rxwire's testing fake all fit it.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes queued by `send` and not yet written to the network. */
  readonly bufferedAmount: number;
  /** The subprotocol the server selected. */
  readonly protocol: string;
  /** How binary frames are delivered. */
  binaryType: string;
  /** Queues a frame. */
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** `ws` only: destroys the socket at once, without a closing handshake. */
  terminate?(): void;
  /** Called when the connection opens. */
  onopen: ((event: any) => void) | null;
  /** Called with each inbound frame as `{ data }`. */
  onmessage: ((event: any) => void) | null;
  /** Called when the connection fails. */
  onerror: ((event: any) => void) | null;
  /** Called with `{ code, reason, wasClean }` when the connection has closed. */
  onclose: ((event: any) => void) | null;
}

/**
 * A WebSocket constructor: the global `WebSocket` in browsers, `WebSocket` from the
 * `ws` package in Node, or `createFakeWebSocket().WebSocketCtor` in tests. The third
 * argument (options with `headers`) is only given for `auth.via: 'header'`, which needs `ws`.
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string>; maxPayload?: number },
) => WebSocketLike;

/** What a token function is told about the attempt it fetches a token for. */
export interface TokenContext {
  /** 0 for the first connection attempt, then 1, 2, ... for each retry in a row. */
  readonly attempt: number;
  /**
   * True when the server refused the previous attempt with 4401 (unauthorized):
   * return a freshly fetched token, not a cached one.
   */
  readonly refresh: boolean;
}

/** How the client authenticates at the WebSocket upgrade. */
export interface AuthOptions {
  /**
   * Returns the token. Called again before every connection attempt, so a refreshed
   * token is always the one sent.
   */
  token: (context: TokenContext) => string | Promise<string> | Observable<string>;
  /**
   * Where the token goes:
   * - `'protocol'`: a `Sec-WebSocket-Protocol` entry `bearer.<token>` after the
   *   application protocols (works in browsers; the token must be a valid HTTP token,
   *   which JWTs are);
   * - `'query'`: a query parameter named `param` (works everywhere, but URLs land in logs);
   * - `'header'`: `Authorization: Bearer <token>` (Node only: needs the `ws` package
   *   as `WebSocketCtor`; choosing it with a browser `WebSocket` throws {@link InvalidOptionsError}).
   * @defaultValue 'protocol'
   */
  via?: 'protocol' | 'query' | 'header';
  /**
   * The query parameter's name for `via: 'query'`.
   * @defaultValue 'token'
   */
  param?: string;
}

/** Heartbeat options of the client. */
export interface ClientHeartbeatOptions {
  /**
   * Milliseconds between pings.
   * @defaultValue 15000
   */
  interval?: number;
  /**
   * Extra milliseconds of silence allowed after a ping was due; after
   * `interval + timeout` without any inbound message the connection is dropped
   * with {@link HeartbeatTimeoutError} and retried.
   * @defaultValue 10000
   */
  timeout?: number;
  /**
   * The ping message.
   * @defaultValue the adapter's `ping()` (`{ type: 'ping' }` for rxwire's envelope)
   */
  ping?: unknown;
  /**
   * Recognises the pong among inbound messages (only frames of up to 256 characters are asked).
   * @defaultValue the adapter's reading of the frame (`{ type: 'pong' }` for rxwire's envelope)
   */
  isPong?: (message: unknown) => boolean;
}

/** Options of the offline send queue. */
export interface ClientQueueOptions {
  /**
   * The most messages held while the connection is not open.
   * @defaultValue 1000
   */
  max?: number;
  /**
   * What gives when the queue is full; see {@link queueWhileOffline}. With `'error'`,
   * `send()` throws the {@link QueueOverflowError} and the held messages stay queued.
   * @defaultValue 'drop-oldest'
   */
  overflow?: OverflowPolicy;
}

/** Options of {@link createClient}. */
export interface ClientOptions<P extends Protocol = EmptyProtocol> {
  /**
   * The server's `ws:` or `wss:` URL, or a function called before every attempt
   * (to pick another server, for example).
   */
  url: string | ((context: TokenContext) => string);
  /**
   * The WebSocket class. Pass `WebSocket` from the `ws` package in Node.
   * @defaultValue the global `WebSocket`
   */
  WebSocketCtor?: WebSocketConstructor;
  /**
   * Application subprotocols offered to the server.
   * @defaultValue none (`['rxwire']` when `auth.via` is `'protocol'`, so the token is never the one selected)
   */
  protocols?: string | string[];
  /**
   * Authentication at the upgrade.
   * @defaultValue none
   */
  auth?: AuthOptions;
  /**
   * The protocol made by {@link defineProtocol}: it types `channel()`, `event()` and
   * `request()` and validates what goes in and out.
   * @defaultValue an empty protocol
   */
  protocol?: P;
  /**
   * How the client speaks to the server on the wire.
   * @defaultValue {@link jsonEnvelope}()
   */
  adapter?: WireAdapter;
  /**
   * Milliseconds a request waits for its reply (including time spent waiting for a
   * connection) before it errors with {@link RequestTimeoutError}.
   * @defaultValue 10000
   */
  requestTimeout?: number;
  /**
   * Reconnection with backoff, or `false` to never reconnect.
   * @defaultValue `{}` (the defaults of {@link ReconnectConfig})
   */
  reconnect?: Omit<ReconnectConfig, 'scheduler' | 'onRetry'> | false;
  /**
   * Heartbeat, or `false` for none.
   * @defaultValue `{}` (the defaults of {@link ClientHeartbeatOptions})
   */
  heartbeat?: ClientHeartbeatOptions | false;
  /**
   * The offline send queue.
   * @defaultValue `{}` (the defaults of {@link ClientQueueOptions})
   */
  queue?: ClientQueueOptions;
  /**
   * Milliseconds to wait for the server to answer a normal close before the socket
   * is destroyed (where the WebSocket class can do that, as `ws` can).
   * @defaultValue 1000
   */
  closeTimeout?: number;
  /**
   * Milliseconds a connection attempt has to be accepted: the socket opening and, for
   * servers that send one (rxwire's), the acceptance frame after authentication. An
   * attempt past it fails with {@link ConnectTimeoutError} and is retried like a drop.
   * The heartbeat starts only after acceptance, so a slow handshake is judged by this
   * alone.
   * @defaultValue 10000
   */
  connectTimeout?: number;
  /**
   * The deepest nesting of arrays and objects accepted in an inbound frame, the
   * envelope counting as one level. A deeper frame is dropped and reported on `errors$`
   * as a {@link DecodeError}; the connection and every channel go on. It bounds what a
   * hostile or broken server can make validation (`t.recursion` codecs) and error
   * messages walk through.
   * @defaultValue 64
   */
  maxDepth?: number;
  /**
   * The largest inbound frame in bytes, where the WebSocket class can enforce it (the
   * `ws` package in Node; browsers cannot): a larger frame closes the connection with
   * 1009 (message too big), which is retried like any drop.
   * @defaultValue 16777216 (16 MiB; `ws` alone accepts 100 MiB)
   */
  maxPayload?: number;
  /**
   * Milliseconds between two emissions of `stats$` while figures change.
   * @defaultValue 1000
   */
  statsInterval?: number;
  /**
   * The scheduler for every delay and clock (backoff, heartbeat, stats). Tests pass
   * nothing inside `TestScheduler.run`, which makes the default virtual.
   * @defaultValue asyncScheduler
   */
  scheduler?: SchedulerLike;
}

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
  /** Inbound frames received. */
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
   * could not be decoded, dropped outbound messages. Each is one of the
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
