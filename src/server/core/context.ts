import type { Protocol } from '../../protocol/defineProtocol';
import type { Broker } from '../brokers/types';
import type { ConnectionInfo, RequestHandler } from './types';

/** What a counted event is: a frame in, out or dropped, a subscription made or ended, a peer closed for a limit. */
export type Counted = 'in' | 'out' | 'dropped' | 'subscription' | 'limit';

/** What a connection needs from its server core. */
export interface ConnectionContext<A> {
  readonly protocol: Protocol;
  readonly broker: Broker;
  readonly handlers: ReadonlyMap<string, RequestHandler<unknown, unknown, A>>;
  readonly authorize: ((principal: A, channel: string, params: unknown) => boolean | Promise<boolean>) | undefined;
  readonly maxSubscriptions: number;
  readonly rate: { readonly messages: number; readonly interval: number };
  readonly maxBufferedBytes: number;
  /** Frames nested deeper than this are refused. */
  readonly maxDepth: number;
  /** The presence entry of a connection, or undefined when presence is off. */
  readonly presence: ((connection: ConnectionInfo<A>) => string) | undefined;
  /** The time in milliseconds, from the core's scheduler. */
  now(): number;
  /** Counts `what`: `delta` frames in, out or dropped (a `batch` frame of answers counts as the frames it carries), or +1 / -1 subscriptions. */
  count(what: Counted, delta?: number): void;
  /** Records how long a request took to answer. */
  answered(name: string, ms: number): void;
  /** A connection is gone: `code` and `reason` are what its transport saw. */
  left(connection: { readonly info: ConnectionInfo<A>; readonly closedWith: { code: number; reason: string } | undefined }, code: number, reason: string): void;
}
