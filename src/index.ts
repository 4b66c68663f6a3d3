export { createClient } from './client/createClient';
export type {
  AuthOptions,
  Client,
  ClientHeartbeatOptions,
  ClientOptions,
  ClientQueueOptions,
  ClientStats,
  ConnectionState,
  TokenContext,
  WebSocketConstructor,
  WebSocketLike,
} from './client/types';
export { reconnect, backoffDelay } from './operators/reconnect';
export type { ReconnectConfig, RetryInfo } from './operators/reconnect';
export { heartbeat } from './operators/heartbeat';
export type { HeartbeatConfig } from './operators/heartbeat';
export { queueWhileOffline } from './operators/queueWhileOffline';
export type { OverflowPolicy, QueueWhileOfflineConfig } from './operators/queueWhileOffline';
export { CloseCode, DEFAULT_FATAL_CLOSE_CODES, closeCodeOf, isRetryableClose } from './protocol/closeCodes';
export {
  ErrorKind,
  RxwireError,
  ConnectionClosedError,
  HeartbeatTimeoutError,
  DecodeError,
  MessageDroppedError,
  QueueOverflowError,
  InvalidOptionsError,
  ClientClosedError,
} from './protocol/errors';
export type { DropReason } from './protocol/errors';
