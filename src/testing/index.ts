export { createFakeWebSocket, closeWith } from './fakeWebSocket';
export type { FakeClose, FakeSocket, FakeWebSocketKit, FakeWebSocketOptions, SocketLog } from './fakeWebSocket';
