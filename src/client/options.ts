import type { Observable, SchedulerLike } from 'rxjs';
import type { ReconnectConfig } from '../operators/reconnect';
import type { OverflowPolicy } from '../operators/queueWhileOffline';
import type { WireAdapter } from '../protocol/adapter';
import type { EmptyProtocol, Protocol } from '../protocol/defineProtocol';
import type { ConnectTimeoutError } from '../protocol/errors';

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
   *   as `WebSocketCtor`; choosing it with a browser `WebSocket` throws {@link InvalidOptionsError});
   * - `'handshake'`: nowhere on the upgrade: only the adapter's handshake carries it
   *   (GraphQL's `connection_init` payload, see {@link WireAdapter.hello}).
   *
   * Whatever `via` says, the adapter's `hello` is given the token.
   * @defaultValue 'protocol'
   */
  via?: 'protocol' | 'query' | 'header' | 'handshake';
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
   * @defaultValue the adapter's `protocols`, or none (then `['rxwire']` when `auth.via` is `'protocol'`, so the token is never the one selected)
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
   * 1009 (message too big), which is retried like any drop. Below 262144 (256 KiB) the
   * default adapter does not ask for batched answers (see {@link MAX_BATCH_ANSWER_BYTES}).
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
