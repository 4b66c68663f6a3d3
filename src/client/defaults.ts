import { HEARTBEAT_DEFAULTS } from '../operators/heartbeat';
import { RECONNECT_DEFAULTS } from '../operators/reconnect';
import type { OverflowPolicy } from '../operators/queueWhileOffline';
import { InvalidOptionsError } from '../protocol/errors';
import { MAX_BATCH_ANSWER_BYTES, jsonEnvelope } from '../protocol/jsonEnvelope';
import type { Protocol } from '../protocol/defineProtocol';
import type { ConnectionConfig } from './connection';
import type { ClientOptions, WebSocketConstructor } from './options';

/**
 * The defaults of {@link createClient}'s options, in one place: what the client does
 * when an option is left out. `heartbeat` and `reconnect` are the tables of those
 * operators ({@link HEARTBEAT_DEFAULTS}, {@link RECONNECT_DEFAULTS}).
 *
 * @example
 * ```ts
 * // A client that waits twice as long as the default for its replies.
 * createClient({ url: 'ws://127.0.0.1:8080', requestTimeout: 2 * CLIENT_DEFAULTS.requestTimeout });
 * ```
 */
export const CLIENT_DEFAULTS = Object.freeze({
  /** Milliseconds a request waits for its reply. */
  requestTimeout: 10_000,
  /** Milliseconds a normal close waits for the server's answer before the socket is destroyed. */
  closeTimeout: 1000,
  /**
   * Milliseconds an attempt has to be accepted. 20 s, as socket.io-client's: in a reconnect
   * storm on a loaded server, 10 s abandoned attempts still in the server's queue and sent
   * them again (2.5 times the retries at 10,000 clients; see docs/benchmarks.md).
   */
  connectTimeout: 20_000,
  /** The deepest nesting accepted in an inbound frame. */
  maxDepth: 64,
  /** The largest inbound frame in bytes (16 MiB), where the WebSocket class enforces one. */
  maxPayload: 16 * 1024 * 1024,
  /** Milliseconds between two emissions of `stats$` while figures change. */
  statsInterval: 1000,
  /** The offline send queue: how many messages it holds, and what gives when it is full. */
  queue: Object.freeze({
    /** The most messages held while offline. */
    max: 1000,
    /** The oldest held message gives way to a new one. */
    overflow: 'drop-oldest' as const,
  }),
  /** The heartbeat's interval and timeout. */
  heartbeat: HEARTBEAT_DEFAULTS,
  /** The reconnection's backoff. */
  reconnect: RECONNECT_DEFAULTS,
});

/** A client's options with every default applied. */
export interface ClientConfig extends ConnectionConfig {
  protocol: Protocol;
  queue: { max: number; overflow: OverflowPolicy };
  requestTimeout: number;
  statsInterval: number;
}

/**
 * Applies {@link CLIENT_DEFAULTS} to a client's options, in one destructuring.
 * @throws {@link InvalidOptionsError} when there is no WebSocket class to use, or when
 * `auth.via` is `'header'` with a WebSocket class that cannot send headers.
 */
export function withDefaults<P extends Protocol>(options: ClientOptions<P>): ClientConfig {
  const {
    url,
    WebSocketCtor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket,
    protocols,
    auth,
    protocol = { channels: {}, events: {}, requests: {} } as unknown as P,
    // Batched answers only where a batch frame fits the client's own limit on a frame.
    adapter = jsonEnvelope({ batchAnswers: (options.maxPayload ?? CLIENT_DEFAULTS.maxPayload) >= MAX_BATCH_ANSWER_BYTES }),
    reconnect = {},
    heartbeat = {},
    queue: { max = CLIENT_DEFAULTS.queue.max, overflow = CLIENT_DEFAULTS.queue.overflow } = {},
    requestTimeout = CLIENT_DEFAULTS.requestTimeout,
    closeTimeout = CLIENT_DEFAULTS.closeTimeout,
    connectTimeout = CLIENT_DEFAULTS.connectTimeout,
    maxDepth = CLIENT_DEFAULTS.maxDepth,
    maxPayload = CLIENT_DEFAULTS.maxPayload,
    statsInterval = CLIENT_DEFAULTS.statsInterval,
    scheduler,
  } = options;
  if (!WebSocketCtor) {
    throw new InvalidOptionsError('there is no global WebSocket here: pass WebSocketCtor (in Node, WebSocket from the ws package)');
  }
  if (auth?.via === 'header' && typeof (WebSocketCtor.prototype as { terminate?: unknown })?.terminate !== 'function') {
    throw new InvalidOptionsError(
      "auth.via 'header' needs a WebSocket class that accepts headers (the ws package in Node); browsers cannot send headers on a WebSocket: use 'protocol' or 'query'",
    );
  }
  return {
    url,
    WebSocketCtor,
    protocols: protocols ?? adapter.protocols,
    auth,
    protocol,
    adapter,
    reconnect,
    heartbeat,
    queue: { max, overflow },
    requestTimeout,
    closeTimeout,
    connectTimeout,
    maxDepth,
    maxPayload,
    statsInterval,
    scheduler,
  };
}
