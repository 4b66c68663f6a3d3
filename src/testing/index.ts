/**
 * Test your own code that uses rxwire. {@link createFakeWebSocket} is a WebSocket
 * class and the server side that scripts it, both on the RxJS scheduler: inside
 * `TestScheduler.run` a whole client runs in virtual time, the server's part is a
 * marble diagram, and every socket's life can be asserted with `expectSubscriptions`.
 * {@link createFaultProxy} (Node only) puts a real network's faults (drops, half-open
 * connections, latency, cut frames) between a real client and a real server.
 *
 * {@link checkConformance} (Node only, with `ws`) checks any server against the wire
 * protocol of docs/protocol.md, rule by rule.
 *
 * The fake WebSocket runs in browsers and Node; nothing here is needed in production.
 *
 * @packageDocumentation
 * @module rxwire/testing
 */
export { createFakeWebSocket } from './fakeWebSocket';
export type { FakeWebSocketKit, FakeWebSocketOptions } from './fakeWebSocket';
export { closeWith } from './fakeClose';
export type { FakeClose } from './fakeClose';
export type { FakeSocket, SocketLog } from './fakeSocket';
export { createFaultProxy } from './faultProxy';
export type { FaultProxy, FaultProxyOptions } from './faultProxy';
export { checkConformance, CONFORMANCE_RULES } from './conformance';
export type { ConformanceChannel, ConformanceLimits, ConformanceOptions, ConformanceRequest, ConformanceResult, ConformanceRule, ConformanceTokens } from './conformance';
