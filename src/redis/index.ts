export { redisBroker } from './redisBroker';
export type { RedisBrokerOptions } from './redisBroker';
