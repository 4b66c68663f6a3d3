/**
 * The client, in browsers and in Node: {@link createClient} makes one WebSocket
 * endpoint a set of typed Observables (`channel()`, `event()`, `request()`, `state$`,
 * `errors$`, `stats$`) that reconnect, heartbeat, resubscribe and queue what is sent
 * offline.
 *
 * The same entry point holds what the client is made of, for your own pipelines:
 * the protocol definition ({@link defineProtocol}, io-ts codecs shared with the
 * server), the wire adapter ({@link jsonEnvelope}), the close-code table
 * ({@link CloseCode}, {@link isRetryableClose}), the error classes (match on their
 * `kind`, see {@link ErrorKind}) and the operators: {@link reconnect},
 * {@link heartbeat}, {@link queueWhileOffline}, {@link route}, {@link retryWithBackoff}
 * and {@link createCircuitBreaker}.
 *
 * It never imports `ws` or anything from Node, so it bundles for the browser.
 *
 * @packageDocumentation
 * @module rxwire
 */
export { createClient } from './client/createClient';
export { CLIENT_DEFAULTS } from './client/defaults';
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
export { reconnect, backoffDelay, RECONNECT_DEFAULTS } from './operators/reconnect';
export type { ReconnectConfig, RetryInfo } from './operators/reconnect';
export { heartbeat, HEARTBEAT_DEFAULTS } from './operators/heartbeat';
export type { HeartbeatConfig } from './operators/heartbeat';
export { queueWhileOffline } from './operators/queueWhileOffline';
export type { OverflowPolicy, QueueWhileOfflineConfig } from './operators/queueWhileOffline';
export { CloseCode, DEFAULT_FATAL_CLOSE_CODES, closeCodeOf, isRetryableClose } from './protocol/closeCodes';
export {
  ErrorKind,
  RxwireError,
  ConnectionClosedError,
  ConnectTimeoutError,
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
export type { ClientError, DropReason } from './protocol/errors';
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
export { jsonEnvelope, MAX_BATCH_ANSWER_BYTES, type JsonEnvelopeOptions } from './protocol/jsonEnvelope';
export type { Inbound, WireAdapter, WireClose, WireContext, WireError, WireIds, WireRequest, WireSubscription } from './protocol/adapter';
export type { StreamPosition } from './protocol/position';
export { formatErrors } from './protocol/validate';
export type { GapNotice } from './client/types';
export { retryWithBackoff, exponentialBackoff, linearBackoff, RETRY_DEFAULTS } from './operators/retryWithBackoff';
export type { BackoffStrategy, ExponentialBackoffOptions, Jitter, LinearBackoffOptions, RetryWithBackoffConfig } from './operators/retryWithBackoff';
export { createCircuitBreaker } from './operators/circuitBreaker';
export type { CircuitBreaker, CircuitBreakerConfig, CircuitState } from './operators/circuitBreaker';
