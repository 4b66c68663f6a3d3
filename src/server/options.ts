import type { IncomingMessage } from 'node:http';
import { InvalidOptionsError } from '../protocol/errors';
import type { EmptyProtocol, Protocol } from '../protocol/defineProtocol';
import { SERVER_DEFAULTS } from './defaults';
import type { ServerOptions } from './types';

const { limits: LIMITS } = SERVER_DEFAULTS;

/** The options of `createServer` with every default applied, checked. */
export type ResolvedOptions<P extends Protocol, A> = ReturnType<typeof resolveOptions<P, A>>;

/**
 * Applies {@link SERVER_DEFAULTS} to the options (the one place that does) and checks
 * them: a value no server can run with throws {@link InvalidOptionsError} here, before
 * anything is created, rather than failing later as a `RangeError` from Node or a
 * server that spins (a `pingInterval` of 0) or never admits anyone (a rate of NaN).
 */
export function resolveOptions<P extends Protocol = EmptyProtocol, A = unknown>(options: ServerOptions<P, A>) {
  if (typeof options !== 'object' || options === null || typeof options.protocol !== 'object' || options.protocol === null) {
    throw new InvalidOptionsError('createServer needs { protocol }: the protocol made by defineProtocol, shared with the clients');
  }
  const {
    protocol,
    port = 0,
    host = SERVER_DEFAULTS.host,
    server,
    path,
    authenticate,
    authorize,
    refuseWith = SERVER_DEFAULTS.refuseWith,
    origins,
    broker,
    limits: {
      maxPayload = LIMITS.maxPayload,
      maxSubscriptions = LIMITS.maxSubscriptions,
      rate = LIMITS.rate,
      maxBufferedBytes = LIMITS.maxBufferedBytes,
      maxDepth = LIMITS.maxDepth,
      maxConnections = LIMITS.maxConnections,
      maxConnectionsPerAddress = LIMITS.maxConnectionsPerAddress,
    } = {},
    pingInterval = SERVER_DEFAULTS.pingInterval,
    presence,
    upgradeTimeout = SERVER_DEFAULTS.upgradeTimeout,
    closeTimeout = SERVER_DEFAULTS.closeTimeout,
    addressOf = (request: IncomingMessage) => request.socket.remoteAddress ?? 'unknown',
    metricsPath,
  } = options;
  if (server === undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new InvalidOptionsError(`port must be an integer from 0 to 65535 (0 picks a free one), not ${String(port)}`);
  }
  if (refuseWith !== 'close' && refuseWith !== 'http') throw new InvalidOptionsError(`refuseWith must be 'close' or 'http', not ${String(refuseWith)}`);
  atLeast('limits.maxPayload', maxPayload, 1);
  atLeast('limits.maxSubscriptions', maxSubscriptions, 0);
  atLeast('limits.rate.messages', rate?.messages, 0);
  positive('limits.rate.interval', rate?.interval);
  atLeast('limits.maxBufferedBytes', maxBufferedBytes, 0);
  atLeast('limits.maxDepth', maxDepth, 1);
  atLeast('limits.maxConnections', maxConnections, 0);
  atLeast('limits.maxConnectionsPerAddress', maxConnectionsPerAddress, 0);
  positive('pingInterval', pingInterval);
  positive('upgradeTimeout', upgradeTimeout);
  atLeast('closeTimeout', closeTimeout, 0);
  return {
    protocol,
    port,
    host,
    server,
    path,
    authenticate,
    authorize,
    refuseWith,
    origins,
    broker,
    limits: { maxPayload, maxSubscriptions, rate, maxBufferedBytes, maxDepth, maxConnections, maxConnectionsPerAddress },
    pingInterval,
    presence,
    upgradeTimeout,
    closeTimeout,
    addressOf,
    metricsPath,
  };
}

/** A number `>= min` (Infinity included: "no limit"). */
function atLeast(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new InvalidOptionsError(`${name} must be a number >= ${min}, not ${String(value)}`);
  }
}

/** A finite number `> 0`: a period or a timeout. */
function positive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionsError(`${name} must be a finite number of milliseconds > 0, not ${String(value)}`);
  }
}
