export { createServer } from './createServer';
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
export { RequestError, ForbiddenError } from './errors';
export { memoryBroker } from './brokers/memoryBroker';
export type { MemoryBrokerOptions } from './brokers/memoryBroker';
export type { Broker, BrokerMessage, Replay } from './brokers/types';
