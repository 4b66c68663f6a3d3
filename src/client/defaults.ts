import { HEARTBEAT_DEFAULTS } from '../operators/heartbeat';
import { RECONNECT_DEFAULTS } from '../operators/reconnect';

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
  /** Milliseconds an attempt has to be accepted. */
  connectTimeout: 10_000,
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
