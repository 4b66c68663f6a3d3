export { createClient } from './client/createClient';
export type {
  AuthOptions,
  Client,
  ClientHeartbeatOptions,
  ClientOptions,
  ClientQueueOptions,
  ClientStats,
  ConnectionState,
  RequestOptions,
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
  ValidationError,
  SubscriptionError,
  RequestTimeoutError,
  RemoteError,
  CircuitOpenError,
} from './protocol/errors';
export type { DropReason } from './protocol/errors';
export { route } from './operators/route';
export type { RouteTarget } from './operators/route';
export { defineProtocol } from './protocol/defineProtocol';
export type {
  ChannelDefinition,
  ChannelMessage,
  ChannelName,
  ChannelParams,
  EmptyProtocol,
  EventName,
  EventPayload,
  Protocol,
  ProtocolDefinition,
  RequestDefinition,
  RequestName,
  RequestPayload,
  ResponseOf,
} from './protocol/defineProtocol';
export { jsonEnvelope } from './protocol/jsonEnvelope';
export type { Inbound, WireAdapter, WireError, WireRequest, WireSubscription } from './protocol/adapter';
export { formatErrors } from './protocol/validate';
export type { GapNotice } from './client/channels';
export { retryWithBackoff, exponentialBackoff, linearBackoff } from './operators/retryWithBackoff';
export type { BackoffStrategy, ExponentialBackoffOptions, LinearBackoffOptions, RetryWithBackoffConfig } from './operators/retryWithBackoff';
export { createCircuitBreaker } from './operators/circuitBreaker';
export type { CircuitBreaker, CircuitBreakerConfig, CircuitState } from './operators/circuitBreaker';
