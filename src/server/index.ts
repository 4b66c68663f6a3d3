/**
 * The Node server, on the `ws` package: {@link createServer} speaks rxwire's wire
 * protocol typed by the same `defineProtocol` definition as the clients, with
 * authentication at the upgrade (4401 / 4403), per-subscription authorization, limits
 * with the close codes clients expect, liveness pings, request handlers, events,
 * presence, and history numbered by epoch and offset so reconnecting clients recover
 * what they missed.
 *
 * Published messages travel through a {@link Broker}: {@link memoryBroker} (the
 * default) for one process, `redisBroker` from `rxwire/redis` for many.
 *
 * Node only; needs `ws` installed (`npm install ws`).
 *
 * @packageDocumentation
 * @module rxwire/server
 */
export { createServer } from './ws/createServer';
export { SERVER_DEFAULTS } from './defaults';
export type {
  ConnectionEvent,
  ConnectionInfo,
  PresenceMember,
  RequestContext,
  RequestHandler,
  Server,
  ServerLimits,
  ServerOptions,
  ServerStats,
  UpgradeContext,
} from './types';
export { RequestError, ForbiddenError, ServerClosedError } from './errors';
export { memoryBroker } from './brokers/memoryBroker';
export type { MemoryBrokerOptions } from './brokers/memoryBroker';
export type { Broker, BrokerMessage, Loss, Replay, StreamPosition } from './brokers/types';
