// Every error rxwire reports, one file per concern under ./errors/; this module is the
// one the rest of the code imports them from.
export { ErrorKind, RxwireError } from './errors/base';
export { ConnectionClosedError, ConnectTimeoutError, DecodeError, HeartbeatTimeoutError } from './errors/connection';
export { MessageDroppedError, QueueOverflowError, ValidationError, type DropReason } from './errors/outbound';
export { ClientClosedError, InvalidOptionsError } from './errors/usage';
export { CircuitOpenError, RemoteError, RequestTimeoutError, SubscriptionError } from './errors/remote';
export { toClientError, type ClientError } from './errors/clientError';
