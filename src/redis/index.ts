/**
 * Several server processes behind a load balancer: pass {@link redisBroker} to
 * `createServer` in place of the default `memoryBroker()` and messages published on
 * any process reach subscribers on every process, history and stream positions live
 * in Redis (a client that moves to another process recovers exactly what it missed),
 * and presence spans every process.
 *
 * Node only; needs `ioredis` installed (`npm install ioredis`) and Redis 6.2 or later.
 *
 * @packageDocumentation
 * @module rxwire/redis
 */
export { redisBroker } from './redisBroker';
export type { RedisBrokerOptions } from './redisBroker';
