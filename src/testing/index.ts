export { createFakeWebSocket, closeWith } from './fakeWebSocket';
export type { FakeClose, FakeSocket, FakeWebSocketKit, FakeWebSocketOptions, SocketLog } from './fakeWebSocket';
export { createFaultProxy } from './faultProxy';
export type { FaultProxy, FaultProxyOptions } from './faultProxy';
