import type { ServerLimits } from './types';

/**
 * What every option of `createServer` (and of the default `memoryBroker()`) is when it
 * is not given: the one table the server and its documentation take their defaults
 * from. Frozen, all the way down.
 *
 * | option | default |
 * |---|---|
 * | `host` | `'127.0.0.1'` |
 * | `refuseWith` | `'close'` |
 * | `pingInterval` | 30,000 ms |
 * | `upgradeTimeout` | 10,000 ms |
 * | `closeTimeout` | 2,000 ms |
 * | `limits.maxPayload` | 1,048,576 bytes (1 MiB) |
 * | `limits.maxSubscriptions` | 1,000 per connection |
 * | `limits.rate` | 2,000 frames per 1,000 ms |
 * | `limits.maxBufferedBytes` | 4,194,304 bytes (4 MiB) |
 * | `limits.maxDepth` | 64 levels |
 * | `limits.maxConnections` | 10,000 |
 * | `limits.maxConnectionsPerAddress` | 1,000 |
 * | `memoryBroker` `historySize` | 100 messages per stream |
 * | `memoryBroker` `historyTtl` | 300,000 ms (five minutes) |
 *
 * @example
 * ```ts
 * import { SERVER_DEFAULTS, createServer } from 'rxwire/server';
 *
 * // Twice the default rate, the rest as it is.
 * const server = await createServer({
 *   protocol: smartHome,
 *   limits: { rate: { messages: 2 * SERVER_DEFAULTS.limits.rate.messages, interval: SERVER_DEFAULTS.limits.rate.interval } },
 * });
 * ```
 */
export const SERVER_DEFAULTS = deepFreeze({
  /** `host`: the address listened on. */
  host: '127.0.0.1',
  /** `refuseWith`: refused peers are accepted and closed with 4401 / 4403. */
  refuseWith: 'close',
  /** `pingInterval`, in milliseconds. */
  pingInterval: 30_000,
  /** `upgradeTimeout`, in milliseconds. */
  upgradeTimeout: 10_000,
  /** `closeTimeout`, in milliseconds. */
  closeTimeout: 2000,
  /** `limits`: those of {@link ServerLimits}. */
  limits: {
    /** `limits.maxPayload`, in bytes (1 MiB). */
    maxPayload: 1_048_576,
    /** `limits.maxSubscriptions`, per connection. */
    maxSubscriptions: 1000,
    /** `limits.rate`. */
    rate: {
      /** Frames allowed per interval. */
      messages: 2000,
      /** The interval in milliseconds. */
      interval: 1000,
    },
    /** `limits.maxBufferedBytes`, in bytes (4 MiB). */
    maxBufferedBytes: 4_194_304,
    /** `limits.maxDepth`, in levels, the envelope counting as one. */
    maxDepth: 64,
    /** `limits.maxConnections`. */
    maxConnections: 10_000,
    /** `limits.maxConnectionsPerAddress`. */
    maxConnectionsPerAddress: 1000,
  },
  /** The options of `memoryBroker()`, the default broker. */
  memoryBroker: {
    /** `historySize`: messages kept per stream. */
    historySize: 100,
    /** `historyTtl`, in milliseconds (five minutes). */
    historyTtl: 300_000,
  },
} as const);

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  return Object.freeze(value);
}
